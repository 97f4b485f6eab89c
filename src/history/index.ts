/**
 * Undo and redo with the command pattern: a serialised {@link CommandHistory} that stays
 * unchanged when a command fails, and ready-made commands for seismic viewers.
 *
 * @module
 */
export {
  type Command,
  CommandHistory,
  type CommandHistoryEvents,
  type CommandHistoryOptions,
  type ExecuteOptions,
  type HistoryEntry,
  type HistoryOperation,
  type HistorySnapshot,
  type HistoryState,
} from './command-history.js';
export {
  ChangeGainCommand,
  ChangeViewportCommand,
  CompositeCommand,
  type GatherNavigationTarget,
  type GatherProcessing,
  NavigateGatherCommand,
  ProcessGatherCommand,
} from './commands.js';
