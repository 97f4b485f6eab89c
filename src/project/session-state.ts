/**
 * What the user was looking at: viewport, display gain, colormap, interpolation, the current
 * dataset and gather, sort keys and panel layout. Every change is validated and announced, so
 * undo commands and auto-save can follow it.
 */
import { EventEmitter } from 'eventemitter3';
import type { z } from 'zod';
import { ApplicationError, ArgumentError } from '../errors/index.js';
import { lazy, loadZod } from '../lazy.js';

/** The visible window of a section: a time range and a half-open trace range. */
export interface Viewport {
  /** First visible time, ms (may be negative with a delay recording time). */
  timeStartMs: number;
  /** Last visible time, ms; greater than `timeStartMs`. */
  timeEndMs: number;
  /** First visible trace (0-based). */
  traceStart: number;
  /** One past the last visible trace; greater than `traceStart`. */
  traceEnd: number;
}

/** Display gain: a scale, an optional display AGC and an optional clip. */
export interface DisplayGain {
  /** Amplitude multiplier, > 0. */
  scale: number;
  /** Display AGC window in ms, or `null` for none. */
  agcWindowMs: number | null;
  /** Clip at this percentile of absolute amplitudes (0 < p ≤ 100), or `null` for none. */
  clipPercentile: number | null;
}

/** How samples are interpolated between pixels. */
export type Interpolation = 'nearest' | 'linear' | 'cubic';

/** The gather on screen: an ensemble key of the dataset's gather index and a position in it. */
export interface GatherPosition {
  /** Ensemble key, as in the dataset's gather index: `fieldRecord`, or `inline,crossline`. */
  key: string;
  /** 0-based gather number under that key. */
  index: number;
}

/** One panel of the host application's layout. */
export interface PanelState {
  /** Unique panel id. */
  id: string;
  /** What the panel shows, e.g. `section`, `headers`, `spectrum`, `map`. */
  kind: string;
  /** Whether it is shown. */
  visible: boolean;
  /** Relative size among the visible panels, > 0. */
  size: number;
}

/** The arrangement of panels. */
export interface PanelLayout {
  /** Panels side by side (`horizontal`) or stacked (`vertical`). */
  orientation: 'horizontal' | 'vertical';
  /** Panels in display order. */
  panels: PanelState[];
}

/** The plain data of a {@link SessionState}, as stored in session and settings files. */
export interface SessionStateJSON {
  /** Visible window, or `null` to fit the whole gather. */
  viewport: Viewport | null;
  /** Display gain. */
  gain: DisplayGain;
  /** Colormap name (`gray`, `seismic`, `viridis` … as the host application knows them). */
  colormap: string;
  /** Interpolation between pixels. */
  interpolation: Interpolation;
  /** Id of the dataset on screen, or `null`. */
  currentDatasetId: string | null;
  /** Gather on screen, or `null`. */
  currentGather: GatherPosition | null;
  /** Trace header fields the traces are sorted by, most significant first. */
  sortKeys: string[];
  /** Panel arrangement. */
  panelLayout: PanelLayout;
}

/** A field of {@link SessionStateJSON}. */
export type SessionField = keyof SessionStateJSON;

/** Announced after every change of a {@link SessionState}. */
export interface SessionChange<K extends SessionField = SessionField> {
  /** The field that changed. */
  field: K;
  /** Its value before. */
  previous: SessionStateJSON[K];
  /** Its value now. */
  current: SessionStateJSON[K];
}

/** Events of a {@link SessionState}. */
export interface SessionStateEvents {
  /** A field changed (never emitted when a setter is given the value the field already has). */
  change: (change: SessionChange) => void;
}

/**
 * The schemas of session state, built on first use: `fields` validates each field on its own,
 * `state` a whole {@link SessionStateJSON} (the settings file embeds one too).
 */
export const sessionStateSchemas = lazy(() => {
  const { z } = loadZod();
  const finite = z.number().refine(Number.isFinite, 'must be a finite number');
  const name = z.string().min(1).max(256);

  const viewportSchema = z
    .object({
      timeStartMs: finite,
      timeEndMs: finite,
      traceStart: z.number().int().nonnegative(),
      traceEnd: z.number().int().positive(),
    })
    .refine((v) => v.timeEndMs > v.timeStartMs, 'timeEndMs must be greater than timeStartMs')
    .refine((v) => v.traceEnd > v.traceStart, 'traceEnd must be greater than traceStart');

  const gainSchema = z.object({
    scale: finite.refine((v) => v > 0, 'must be greater than 0'),
    agcWindowMs: finite.refine((v) => v > 0, 'must be greater than 0').nullable(),
    clipPercentile: finite.refine((v) => v > 0 && v <= 100, 'must be in (0, 100]').nullable(),
  });

  const panelLayoutSchema = z.object({
    orientation: z.enum(['horizontal', 'vertical']),
    panels: z
      .array(
        z.object({
          id: name,
          kind: name,
          visible: z.boolean(),
          size: finite.refine((v) => v > 0, 'must be greater than 0'),
        }),
      )
      .refine(
        (panels) => new Set(panels.map((p) => p.id)).size === panels.length,
        'panel ids must be unique',
      ),
  });

  const fields: { [K in SessionField]: z.ZodType<SessionStateJSON[K]> } = {
    viewport: viewportSchema.nullable(),
    gain: gainSchema,
    colormap: name,
    interpolation: z.enum(['nearest', 'linear', 'cubic']),
    currentDatasetId: name.nullable(),
    currentGather: z.object({ key: name, index: z.number().int().nonnegative() }).nullable(),
    sortKeys: z.array(name).refine((keys) => new Set(keys).size === keys.length, 'sort keys must not repeat'),
    panelLayout: panelLayoutSchema,
  };

  return { fields, state: z.object(fields) as z.ZodType<SessionStateJSON> };
});

/** The state of a fresh session. */
export function defaultSessionState(): SessionStateJSON {
  return {
    viewport: null,
    gain: { scale: 1, agcWindowMs: null, clipPercentile: null },
    colormap: 'gray',
    interpolation: 'linear',
    currentDatasetId: null,
    currentGather: null,
    sortKeys: [],
    panelLayout: {
      orientation: 'horizontal',
      panels: [{ id: 'section', kind: 'section', visible: true, size: 1 }],
    },
  };
}

/**
 * The state of a viewing session. Read fields through the getters (frozen values); change them
 * through the setters, which validate, bump {@link SessionState.revision} and emit `change`.
 */
export class SessionState extends EventEmitter<SessionStateEvents> {
  #data: SessionStateJSON;
  #revision = 0;

  /**
   * A session state, from defaults overridden by `initial`.
   *
   * @throws ApplicationError `SESSION_INVALID` when the result does not validate.
   */
  constructor(initial: Partial<SessionStateJSON> = {}) {
    super();
    this.#data = deepFreeze(validateSessionState({ ...defaultSessionState(), ...initial }));
  }

  /**
   * Rebuild a state from its JSON form.
   *
   * @throws ApplicationError `SESSION_INVALID` naming each invalid field.
   */
  static fromJSON(value: unknown): SessionState {
    return new SessionState(validateSessionState(value));
  }

  /** The plain data, for files. */
  toJSON(): SessionStateJSON {
    return structuredClone(this.#data);
  }

  /** Increases with every change; lets savers skip writing an unchanged state. */
  get revision(): number {
    return this.#revision;
  }

  /** Visible window, or `null` to fit the whole gather. */
  get viewport(): Readonly<Viewport> | null {
    return this.#data.viewport;
  }
  /** Display gain. */
  get gain(): Readonly<DisplayGain> {
    return this.#data.gain;
  }
  /** Colormap name. */
  get colormap(): string {
    return this.#data.colormap;
  }
  /** Interpolation between pixels. */
  get interpolation(): Interpolation {
    return this.#data.interpolation;
  }
  /** Id of the dataset on screen. */
  get currentDatasetId(): string | null {
    return this.#data.currentDatasetId;
  }
  /** Gather on screen. */
  get currentGather(): Readonly<GatherPosition> | null {
    return this.#data.currentGather;
  }
  /** Sort keys, most significant first. */
  get sortKeys(): readonly string[] {
    return this.#data.sortKeys;
  }
  /** Panel arrangement. */
  get panelLayout(): Readonly<PanelLayout> {
    return this.#data.panelLayout;
  }

  /**
   * Set one field.
   *
   * @throws ArgumentError `INVALID_ARGUMENT` for an invalid value; the state is unchanged.
   */
  set<K extends SessionField>(field: K, value: SessionStateJSON[K]): void {
    const parsed = sessionStateSchemas().fields[field].safeParse(value);
    if (!parsed.success) {
      throw new ArgumentError(
        `invalid session ${field}: ${loadZod().z.prettifyError(parsed.error).replace(/\n/g, '; ')}`,
        {
          field,
        },
      );
    }
    const previous = this.#data[field];
    if (JSON.stringify(previous) === JSON.stringify(parsed.data)) return;
    const current = deepFreeze(parsed.data);
    this.#data = Object.freeze({ ...this.#data, [field]: current });
    this.#revision++;
    this.emit('change', { field, previous, current });
  }

  /** Set the viewport, or `null` to fit. See {@link SessionState.set}. */
  setViewport(viewport: Viewport | null): void {
    this.set('viewport', viewport);
  }
  /** Change some gain settings, keeping the others. See {@link SessionState.set}. */
  setGain(gain: Partial<DisplayGain>): void {
    this.set('gain', { ...this.#data.gain, ...gain });
  }
  /** See {@link SessionState.set}. */
  setColormap(colormap: string): void {
    this.set('colormap', colormap);
  }
  /** See {@link SessionState.set}. */
  setInterpolation(interpolation: Interpolation): void {
    this.set('interpolation', interpolation);
  }
  /** See {@link SessionState.set}. */
  setCurrentDataset(datasetId: string | null): void {
    this.set('currentDatasetId', datasetId);
  }
  /** See {@link SessionState.set}. */
  setCurrentGather(gather: GatherPosition | null): void {
    this.set('currentGather', gather);
  }
  /** See {@link SessionState.set}. */
  setSortKeys(keys: readonly string[]): void {
    this.set('sortKeys', [...keys]);
  }
  /** See {@link SessionState.set}. */
  setPanelLayout(layout: PanelLayout): void {
    this.set('panelLayout', layout);
  }
}

/**
 * Validate session state data.
 *
 * @throws ApplicationError `SESSION_INVALID` naming each invalid field.
 */
export function validateSessionState(value: unknown): SessionStateJSON {
  const parsed = sessionStateSchemas().state.safeParse(value);
  if (!parsed.success) {
    throw new ApplicationError(
      'SESSION_INVALID',
      `invalid session state: ${loadZod().z.prettifyError(parsed.error).replace(/\n/g, '; ')}`,
      {
        issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      },
    );
  }
  return parsed.data;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
