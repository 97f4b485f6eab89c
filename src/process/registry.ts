/**
 * Processors by name: the built-ins plus whatever an application registers, so that a processor
 * can be rebuilt from `{ name, version, parameters }` in a worker thread or by provenance.
 */
import { ArgumentError } from '../errors/index.js';
import { BANDPASS } from './bandpass.js';
import { GAIN_PROCESSORS } from './gain.js';
import type { Processor, ProcessorDefinition, ProcessorParameters, ProcessorSpec } from './processor.js';

/** A set of processor definitions by name. */
export class ProcessorRegistry {
  private readonly definitions = new Map<string, ProcessorDefinition>();

  /** A registry holding `definitions`. */
  constructor(definitions: Iterable<ProcessorDefinition> = []) {
    for (const definition of definitions) this.register(definition);
  }

  /**
   * Add a definition. A name can be registered once: registering another definition under a taken
   * name fails with `INVALID_ARGUMENT` unless `replace` is set (registering the same object again
   * is a no-op, so a module imported twice does no harm).
   */
  register(definition: ProcessorDefinition, options: { replace?: boolean } = {}): void {
    if (!isProcessorDefinition(definition)) {
      throw new ArgumentError('a processor definition needs a name, a version and a create function');
    }
    const existing = this.definitions.get(definition.name);
    if (existing && existing !== definition && !options.replace) {
      throw new ArgumentError(`a processor named "${definition.name}" is already registered`);
    }
    this.definitions.set(definition.name, definition);
  }

  /** True when a processor of that name is registered. */
  has(name: string): boolean {
    return this.definitions.has(name);
  }

  /** The definition registered under `name`; `INVALID_ARGUMENT` naming the known ones otherwise. */
  get(name: string): ProcessorDefinition {
    const definition = this.definitions.get(name);
    if (!definition) {
      throw new ArgumentError(`unknown processor "${name}"; registered: ${this.names().join(', ')}`);
    }
    return definition;
  }

  /** Registered names, sorted. */
  names(): string[] {
    return [...this.definitions.keys()].sort();
  }

  /** Registered definitions, sorted by name. */
  list(): ProcessorDefinition[] {
    return this.names().map((name) => this.definitions.get(name)!);
  }

  /**
   * Bind the processor `name` to `parameters` (checked, defaults filled in). With `version`, the
   * registered definition must have that version: a step recorded by another version of an
   * algorithm cannot be reproduced by this one.
   */
  create(name: string, parameters: ProcessorParameters = {}, options: { version?: string } = {}): Processor {
    const definition = this.get(name);
    if (options.version !== undefined && options.version !== definition.version) {
      throw new ArgumentError(
        `processor "${name}" is version ${definition.version} here, but version ${options.version} was asked for`,
      );
    }
    return bindProcessor(definition, parameters);
  }

  /** Rebuild a processor from its {@link ProcessorSpec} (name, version and parameters must match). */
  fromSpec(spec: ProcessorSpec): Processor {
    return this.create(spec.name, spec.parameters, { version: spec.version });
  }
}

/** Bind a definition to parameters: parse them, then create the function once. */
export function bindProcessor(
  definition: ProcessorDefinition,
  rawParameters: ProcessorParameters,
): Processor {
  if (typeof rawParameters !== 'object' || rawParameters === null || Array.isArray(rawParameters)) {
    throw new ArgumentError(`parameters of processor "${definition.name}" must be a JSON object`);
  }
  let parameters: ProcessorParameters;
  try {
    parameters = definition.parseParameters ? definition.parseParameters(rawParameters) : rawParameters;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ArgumentError(`bad parameters for processor "${definition.name}": ${reason}`, { cause });
  }
  return {
    name: definition.name,
    version: definition.version,
    parameters,
    wholeGathers: definition.wholeGathers ?? false,
    headerColumns: definition.headerColumns ?? [],
    definition,
    process: definition.create(parameters),
  };
}

/** True when `value` has the shape of a {@link ProcessorDefinition}. */
export function isProcessorDefinition(value: unknown): value is ProcessorDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<ProcessorDefinition>;
  return typeof v.name === 'string' && typeof v.version === 'string' && typeof v.create === 'function';
}

/** The built-in processors: scale, agc, rms, clip, tpow and bandpass. */
export const BUILTIN_PROCESSORS: readonly ProcessorDefinition[] = [...GAIN_PROCESSORS, BANDPASS];

/**
 * The registry used unless another is given: the built-ins, plus what the application registers
 * (`processors.register(...)`).
 */
export const processors = new ProcessorRegistry(BUILTIN_PROCESSORS);
