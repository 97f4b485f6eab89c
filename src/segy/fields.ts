/**
 * The SEG-Y standard as data: every binary file header field (rev 2.1, including the 64-bit
 * extended fields) and every standard trace header field (bytes 1–240).
 *
 * Keys are camelCase. Aliases are the names segyio uses (1.8.3 and master) and, for the trace
 * header bytes 1–180 that Seismic Unix shares with SEG-Y, the SU keyword (`tracl`, `fldr`, `ns` …),
 * so that users can ask for a field under the name they already know.
 *
 * Value types follow segyio master, which was checked against the rev 2.1 `increment.sgy` /
 * `decrement.sgy` test files (every field at its extreme value): the two trace sequence numbers and
 * the sample counts are unsigned, everything else is signed.
 *
 * @module
 */

/** How one header value is stored. `ibm32` is an IBM System/360 float. */
export type HeaderValueType =
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int24'
  | 'uint24'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'ibm32'
  | 'float32'
  | 'float64';

/** Width in bytes of each {@link HeaderValueType}. */
export const HEADER_VALUE_SIZES: Readonly<Record<HeaderValueType, number>> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int24: 3,
  uint24: 3,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  ibm32: 4,
  float32: 4,
  float64: 8,
};

/** One header field: where it is, how it is stored and what it means. */
export interface HeaderField {
  /** camelCase key, e.g. `cdp`, `inline`, `sampleInterval`. */
  key: string;
  /** 1-based byte position within its header (binary header fields use 3201–3600 numbering). */
  byte: number;
  /** Storage type. */
  type: HeaderValueType;
  /** What the field holds, after the standard. */
  description: string;
  /** Other accepted names (segyio names, Seismic Unix keywords). */
  aliases: readonly string[];
}

type Row = readonly [
  byte: number,
  type: HeaderValueType,
  key: string,
  aliases: readonly string[],
  description: string,
];

function table(rows: readonly Row[]): readonly HeaderField[] {
  return Object.freeze(
    rows.map(([byte, type, key, aliases, description]) =>
      Object.freeze({ key, byte, type, description, aliases: Object.freeze([...aliases]) }),
    ),
  );
}

/** Every standard trace header field, bytes 1–240 (SEG-Y rev 2.1 numbering). */
export const TRACE_HEADER_FIELDS: readonly HeaderField[] = table([
  [1, 'uint32', 'traceSequenceLine', ['TRACE_SEQUENCE_LINE', 'tracl'], 'Trace sequence number within line'],
  [5, 'uint32', 'traceSequenceFile', ['TRACE_SEQUENCE_FILE', 'tracr'], 'Trace sequence number within file'],
  [9, 'int32', 'fieldRecord', ['FieldRecord', 'fldr', 'ffid'], 'Original field record number (FFID)'],
  [13, 'int32', 'traceNumber', ['TraceNumber', 'tracf'], 'Trace number within the original field record'],
  [17, 'int32', 'energySourcePoint', ['EnergySourcePoint', 'ep'], 'Energy source point number'],
  [21, 'int32', 'cdp', ['CDP', 'ensemble'], 'Ensemble number (CDP, CMP, CRP, …)'],
  [25, 'int32', 'cdpTrace', ['CDP_TRACE', 'cdpt'], 'Trace number within the ensemble'],
  [
    29,
    'int16',
    'traceIdentificationCode',
    ['TraceIdentificationCode', 'trid'],
    'Trace identification code (1 = seismic data, 2 = dead, …)',
  ],
  [
    31,
    'int16',
    'summedTraces',
    ['NSummedTraces', 'nvs'],
    'Number of vertically summed traces yielding this trace',
  ],
  [
    33,
    'int16',
    'stackedTraces',
    ['NStackedTraces', 'nhs'],
    'Number of horizontally stacked traces yielding this trace',
  ],
  [35, 'int16', 'dataUse', ['DataUse', 'duse'], 'Data use (1 = production, 2 = test)'],
  [37, 'int32', 'offset', [], 'Distance from source point to receiver group centre'],
  [41, 'int32', 'receiverGroupElevation', ['ReceiverGroupElevation', 'gelev'], 'Receiver group elevation'],
  [45, 'int32', 'sourceSurfaceElevation', ['SourceSurfaceElevation', 'selev'], 'Surface elevation at source'],
  [49, 'int32', 'sourceDepth', ['SourceDepth', 'sdepth'], 'Source depth below surface'],
  [
    53,
    'int32',
    'receiverDatumElevation',
    ['ReceiverDatumElevation', 'gdel'],
    'Datum elevation at receiver group',
  ],
  [57, 'int32', 'sourceDatumElevation', ['SourceDatumElevation', 'sdel'], 'Datum elevation at source'],
  [61, 'int32', 'sourceWaterDepth', ['SourceWaterDepth', 'swdep'], 'Water depth at source'],
  [65, 'int32', 'groupWaterDepth', ['GroupWaterDepth', 'gwdep'], 'Water depth at receiver group'],
  [
    69,
    'int16',
    'scalarElevation',
    ['ElevationScalar', 'scalel'],
    'Scalar for elevations and depths (bytes 41–68)',
  ],
  [
    71,
    'int16',
    'scalarCoordinates',
    ['SourceGroupScalar', 'scalco'],
    'Scalar for coordinates (bytes 73–88, 181–188)',
  ],
  [73, 'int32', 'sourceX', ['SourceX', 'sx'], 'Source coordinate X'],
  [77, 'int32', 'sourceY', ['SourceY', 'sy'], 'Source coordinate Y'],
  [81, 'int32', 'groupX', ['GroupX', 'gx'], 'Receiver group coordinate X'],
  [85, 'int32', 'groupY', ['GroupY', 'gy'], 'Receiver group coordinate Y'],
  [
    89,
    'int16',
    'coordinateUnits',
    ['CoordinateUnits', 'counit'],
    'Coordinate units (1 = length, 2 = arc seconds, 3 = degrees, 4 = DMS)',
  ],
  [91, 'int16', 'weatheringVelocity', ['WeatheringVelocity', 'wevel'], 'Weathering velocity'],
  [93, 'int16', 'subWeatheringVelocity', ['SubWeatheringVelocity', 'swevel'], 'Sub-weathering velocity'],
  [95, 'int16', 'sourceUpholeTime', ['SourceUpholeTime', 'sut'], 'Uphole time at source (ms)'],
  [97, 'int16', 'groupUpholeTime', ['GroupUpholeTime', 'gut'], 'Uphole time at group (ms)'],
  [
    99,
    'int16',
    'sourceStaticCorrection',
    ['SourceStaticCorrection', 'sstat'],
    'Source static correction (ms)',
  ],
  [101, 'int16', 'groupStaticCorrection', ['GroupStaticCorrection', 'gstat'], 'Group static correction (ms)'],
  [103, 'int16', 'totalStaticApplied', ['TotalStaticApplied', 'tstat'], 'Total static applied (ms)'],
  [105, 'int16', 'lagTimeA', ['LagTimeA', 'laga'], 'Lag time A (ms)'],
  [107, 'int16', 'lagTimeB', ['LagTimeB', 'lagb'], 'Lag time B (ms)'],
  [109, 'int16', 'delayRecordingTime', ['DelayRecordingTime', 'delrt'], 'Delay recording time (ms)'],
  [111, 'int16', 'muteTimeStart', ['MuteTimeStart', 'muts'], 'Mute time start (ms)'],
  [113, 'int16', 'muteTimeEnd', ['MuteTimeEND', 'mute'], 'Mute time end (ms)'],
  [115, 'uint16', 'sampleCount', ['TRACE_SAMPLE_COUNT', 'ns'], 'Number of samples in this trace'],
  [
    117,
    'int16',
    'sampleInterval',
    ['TRACE_SAMPLE_INTERVAL', 'dt'],
    'Sample interval of this trace (µs, or Hz / m / ft)',
  ],
  [119, 'int16', 'gainType', ['GainType', 'gain'], 'Gain type of field instruments'],
  [
    121,
    'int16',
    'instrumentGainConstant',
    ['InstrumentGainConstant', 'igc'],
    'Instrument gain constant (dB)',
  ],
  [
    123,
    'int16',
    'instrumentInitialGain',
    ['InstrumentInitialGain', 'igi'],
    'Instrument early or initial gain (dB)',
  ],
  [125, 'int16', 'correlated', ['Correlated', 'corr'], 'Correlated (1 = no, 2 = yes)'],
  [127, 'int16', 'sweepFrequencyStart', ['SweepFrequencyStart', 'sfs'], 'Sweep frequency at start (Hz)'],
  [129, 'int16', 'sweepFrequencyEnd', ['SweepFrequencyEnd', 'sfe'], 'Sweep frequency at end (Hz)'],
  [131, 'int16', 'sweepLength', ['SweepLength', 'slen'], 'Sweep length (ms)'],
  [
    133,
    'int16',
    'sweepType',
    ['SweepType', 'styp'],
    'Sweep type (1 = linear, 2 = parabolic, 3 = exponential, 4 = other)',
  ],
  [
    135,
    'int16',
    'sweepTaperLengthStart',
    ['SweepTraceTaperLengthStart', 'stas'],
    'Sweep trace taper length at start (ms)',
  ],
  [
    137,
    'int16',
    'sweepTaperLengthEnd',
    ['SweepTraceTaperLengthEnd', 'stae'],
    'Sweep trace taper length at end (ms)',
  ],
  [139, 'int16', 'taperType', ['TaperType', 'tatyp'], 'Taper type (1 = linear, 2 = cos², 3 = other)'],
  [141, 'int16', 'aliasFilterFrequency', ['AliasFilterFrequency', 'afilf'], 'Alias filter frequency (Hz)'],
  [143, 'int16', 'aliasFilterSlope', ['AliasFilterSlope', 'afils'], 'Alias filter slope (dB/octave)'],
  [145, 'int16', 'notchFilterFrequency', ['NotchFilterFrequency', 'nofilf'], 'Notch filter frequency (Hz)'],
  [147, 'int16', 'notchFilterSlope', ['NotchFilterSlope', 'nofils'], 'Notch filter slope (dB/octave)'],
  [149, 'int16', 'lowCutFrequency', ['LowCutFrequency', 'lcf'], 'Low-cut frequency (Hz)'],
  [151, 'int16', 'highCutFrequency', ['HighCutFrequency', 'hcf'], 'High-cut frequency (Hz)'],
  [153, 'int16', 'lowCutSlope', ['LowCutSlope', 'lcs'], 'Low-cut slope (dB/octave)'],
  [155, 'int16', 'highCutSlope', ['HighCutSlope', 'hcs'], 'High-cut slope (dB/octave)'],
  [157, 'int16', 'year', ['YearDataRecorded'], 'Year data recorded'],
  [159, 'int16', 'dayOfYear', ['DayOfYear', 'day'], 'Day of year'],
  [161, 'int16', 'hour', ['HourOfDay'], 'Hour of day (24-hour clock)'],
  [163, 'int16', 'minute', ['MinuteOfHour'], 'Minute of hour'],
  [165, 'int16', 'second', ['SecondOfMinute', 'sec'], 'Second of minute'],
  [
    167,
    'int16',
    'timeBasisCode',
    ['TimeBaseCode', 'timbas'],
    'Time basis code (1 = local, 2 = GMT, 3 = other, 4 = UTC, 5 = GPS)',
  ],
  [
    169,
    'int16',
    'traceWeightingFactor',
    ['TraceWeightingFactor', 'trwf'],
    'Trace weighting factor (2^-N volts for the least significant bit)',
  ],
  [
    171,
    'int16',
    'geophoneGroupNumberRoll',
    ['GeophoneGroupNumberRoll1', 'grnors'],
    'Geophone group number of roll switch position one',
  ],
  [
    173,
    'int16',
    'geophoneGroupNumberFirstTrace',
    ['GeophoneGroupNumberFirstTraceOrigField', 'grnofr'],
    'Geophone group number of trace one in the original field record',
  ],
  [
    175,
    'int16',
    'geophoneGroupNumberLastTrace',
    ['GeophoneGroupNumberLastTraceOrigField', 'grnlof'],
    'Geophone group number of the last trace in the original field record',
  ],
  [177, 'int16', 'gapSize', ['GapSize', 'gaps'], 'Gap size (total number of groups dropped)'],
  [
    179,
    'int16',
    'overTravel',
    ['OverTravel', 'otrav'],
    'Over travel associated with taper (1 = down, 2 = up)',
  ],
  [181, 'int32', 'cdpX', ['CDP_X'], 'X coordinate of the ensemble (CDP) position'],
  [185, 'int32', 'cdpY', ['CDP_Y'], 'Y coordinate of the ensemble (CDP) position'],
  [189, 'int32', 'inline', ['INLINE_3D', 'iline'], 'In-line number (3D poststack)'],
  [193, 'int32', 'crossline', ['CROSSLINE_3D', 'xline'], 'Cross-line number (3D poststack)'],
  [197, 'int32', 'shotPoint', ['ShotPoint'], 'Shotpoint number (2D)'],
  [201, 'int16', 'shotPointScalar', ['ShotPointScalar'], 'Scalar for the shotpoint number'],
  [
    203,
    'int16',
    'traceValueMeasurementUnit',
    ['TraceValueMeasurementUnit'],
    'Trace value measurement unit (-1 = other, 0 = unknown, 1 = Pa, 2 = V, …)',
  ],
  [
    205,
    'int32',
    'transductionConstantMantissa',
    ['TransductionConstantMantissa'],
    'Transduction constant mantissa',
  ],
  [
    209,
    'int16',
    'transductionConstantExponent',
    ['TransductionConstantPower'],
    'Transduction constant power of ten exponent',
  ],
  [211, 'int16', 'transductionUnits', ['TransductionUnit'], 'Transduction units'],
  [213, 'int16', 'deviceTraceIdentifier', ['TraceIdentifier'], 'Device/trace identifier'],
  [215, 'int16', 'timeScalar', ['ScalarTraceHeader'], 'Scalar for times in bytes 95–114'],
  [217, 'int16', 'sourceType', ['SourceType'], 'Source type/orientation'],
  [
    219,
    'int16',
    'sourceEnergyDirectionVertical',
    ['SourceEnergyDirectionVert', 'SourceEnergyDirectionMantissa'],
    'Source energy direction, vertical component (tenths of degrees; segyio 1.8.3 reads bytes 219–222 as one int32)',
  ],
  [
    221,
    'int16',
    'sourceEnergyDirectionCrossline',
    ['SourceEnergyDirectionXline'],
    'Source energy direction, cross-line component (tenths of degrees)',
  ],
  [
    223,
    'int16',
    'sourceEnergyDirectionInline',
    ['SourceEnergyDirectionIline', 'SourceEnergyDirectionExponent'],
    'Source energy direction, in-line component (tenths of degrees)',
  ],
  [225, 'int32', 'sourceMeasurementMantissa', ['SourceMeasurementMantissa'], 'Source measurement mantissa'],
  [
    229,
    'int16',
    'sourceMeasurementExponent',
    ['SourceMeasurementExponent'],
    'Source measurement power of ten exponent',
  ],
  [231, 'int16', 'sourceMeasurementUnit', ['SourceMeasurementUnit'], 'Source measurement unit'],
  [
    233,
    'int32',
    'unassigned1',
    ['UnassignedInt1'],
    'Bytes 233–236: unassigned (rev 2.1: first half of the header name, zeros or "SEG00000")',
  ],
  [
    237,
    'int32',
    'unassigned2',
    ['UnassignedInt2'],
    'Bytes 237–240: unassigned (rev 2.1: second half of the header name)',
  ],
]);

/** Every binary file header field (bytes 3201–3600, SEG-Y rev 2.1 numbering). */
export const BINARY_HEADER_FIELDS: readonly HeaderField[] = table([
  [3201, 'int32', 'jobId', ['JobID'], 'Job identification number'],
  [3205, 'int32', 'lineNumber', ['LineNumber'], 'Line number'],
  [3209, 'int32', 'reelNumber', ['ReelNumber'], 'Reel number'],
  [3213, 'int16', 'tracesPerEnsemble', ['Traces', 'EnsembleTraces'], 'Number of data traces per ensemble'],
  [
    3215,
    'int16',
    'auxTracesPerEnsemble',
    ['AuxTraces', 'AuxEnsembleTraces'],
    'Number of auxiliary traces per ensemble',
  ],
  [3217, 'int16', 'sampleInterval', ['Interval'], 'Sample interval (µs, or Hz / m / ft)'],
  [
    3219,
    'int16',
    'sampleIntervalOriginal',
    ['IntervalOriginal'],
    'Sample interval of the original field recording',
  ],
  [3221, 'uint16', 'sampleCount', ['Samples'], 'Number of samples per data trace'],
  [
    3223,
    'uint16',
    'sampleCountOriginal',
    ['SamplesOriginal'],
    'Number of samples per data trace of the original field recording',
  ],
  [3225, 'int16', 'formatCode', ['Format'], 'Data sample format code'],
  [3227, 'int16', 'ensembleFold', ['EnsembleFold'], 'Ensemble fold'],
  [
    3229,
    'int16',
    'sortingCode',
    ['SortingCode'],
    'Trace sorting code (1 = as recorded, 2 = CDP, 4 = stack, …)',
  ],
  [3231, 'int16', 'verticalSumCode', ['VerticalSum'], 'Vertical sum code'],
  [3233, 'int16', 'sweepFrequencyStart', ['SweepFrequencyStart'], 'Sweep frequency at start (Hz)'],
  [3235, 'int16', 'sweepFrequencyEnd', ['SweepFrequencyEnd'], 'Sweep frequency at end (Hz)'],
  [3237, 'int16', 'sweepLength', ['SweepLength'], 'Sweep length (ms)'],
  [3239, 'int16', 'sweepType', ['Sweep'], 'Sweep type code'],
  [3241, 'int16', 'sweepChannel', ['SweepChannel'], 'Trace number of sweep channel'],
  [3243, 'int16', 'sweepTaperLengthStart', ['SweepTaperStart'], 'Sweep trace taper length at start (ms)'],
  [3245, 'int16', 'sweepTaperLengthEnd', ['SweepTaperEnd'], 'Sweep trace taper length at end (ms)'],
  [3247, 'int16', 'taperType', ['Taper'], 'Taper type'],
  [3249, 'int16', 'correlatedTraces', ['CorrelatedTraces'], 'Correlated data traces (1 = no, 2 = yes)'],
  [3251, 'int16', 'binaryGainRecovered', ['BinaryGainRecovery'], 'Binary gain recovered (1 = yes, 2 = no)'],
  [3253, 'int16', 'amplitudeRecoveryMethod', ['AmplitudeRecovery'], 'Amplitude recovery method'],
  [3255, 'int16', 'measurementSystem', ['MeasurementSystem'], 'Measurement system (1 = metres, 2 = feet)'],
  [3257, 'int16', 'impulseSignalPolarity', ['ImpulseSignalPolarity'], 'Impulse signal polarity'],
  [3259, 'int16', 'vibratoryPolarity', ['VibratoryPolarity'], 'Vibratory polarity code'],
  [
    3261,
    'int32',
    'extTracesPerEnsemble',
    ['ExtEnsembleTraces', 'ExtTraces'],
    'Extended number of data traces per ensemble (rev 2)',
  ],
  [
    3265,
    'int32',
    'extAuxTracesPerEnsemble',
    ['ExtAuxEnsembleTraces', 'ExtAuxTraces'],
    'Extended number of auxiliary traces per ensemble (rev 2)',
  ],
  [3269, 'int32', 'extSampleCount', ['ExtSamples'], 'Extended number of samples per data trace (rev 2)'],
  [3273, 'float64', 'extSampleInterval', ['ExtInterval'], 'Extended sample interval, IEEE double (rev 2)'],
  [
    3281,
    'float64',
    'extSampleIntervalOriginal',
    ['ExtIntervalOriginal'],
    'Extended sample interval of the original field recording (rev 2)',
  ],
  [
    3289,
    'int32',
    'extSampleCountOriginal',
    ['ExtSamplesOriginal'],
    'Extended number of samples per trace in the original recording (rev 2)',
  ],
  [3293, 'int32', 'extEnsembleFold', ['ExtEnsembleFold'], 'Extended ensemble fold (rev 2)'],
  [3297, 'int32', 'byteOrder', ['IntConstant'], 'Byte order constant 0x01020304 (rev 2)'],
  [3501, 'uint8', 'revision', ['SEGYRevision'], 'Major SEG-Y format revision number'],
  [3502, 'uint8', 'revisionMinor', ['SEGYRevisionMinor'], 'Minor SEG-Y format revision number'],
  [
    3503,
    'int16',
    'fixedLengthTraceFlag',
    ['TraceFlag'],
    'Fixed length trace flag (1 = all traces have the same length)',
  ],
  [
    3505,
    'int16',
    'extendedTextHeaderCount',
    ['ExtendedHeaders'],
    'Number of 3200-byte extended textual headers (-1 = variable, ends with ((SEG: EndText)))',
  ],
  [
    3507,
    'int16',
    'additionalTraceHeaderCount',
    ['MaxAdditionalTraceHeaders'],
    'Maximum number of additional 240-byte trace headers (rev 2)',
  ],
  [3509, 'int16', 'surveyType', ['SurveyType'], 'Survey type (rev 2.1)'],
  [3511, 'int16', 'timeBasisCode', ['TimeBasisCode'], 'Time basis code (rev 2)'],
  [
    3513,
    'uint64',
    'traceCountInFile',
    ['NrTracesInStream'],
    'Number of traces in this file or stream (rev 2)',
  ],
  [3521, 'uint64', 'firstTraceOffset', ['FirstTraceOffset'], 'Byte offset of the first trace (rev 2)'],
  [
    3529,
    'int32',
    'trailerStanzaCount',
    ['NrTrailerRecords'],
    'Number of 3200-byte data trailer stanza records (rev 2)',
  ],
]);

/** Byte offset of a binary header field within the 400-byte binary header. */
export function binaryFieldOffset(field: HeaderField): number {
  return field.byte - 3201;
}

function indexByName(fields: readonly HeaderField[]): ReadonlyMap<string, HeaderField> {
  const byName = new Map<string, HeaderField>();
  for (const field of fields) {
    byName.set(field.key, field);
    for (const alias of field.aliases) byName.set(alias, field);
  }
  return byName;
}

const BINARY_BY_NAME = indexByName(BINARY_HEADER_FIELDS);

/** The binary header field with this key or alias, or `undefined`. */
export function binaryHeaderField(keyOrAlias: string): HeaderField | undefined {
  return BINARY_BY_NAME.get(keyOrAlias);
}

/** Look up a field among `fields` by key or alias (used by {@link HeaderMapping}). */
export function buildFieldIndex(fields: readonly HeaderField[]): ReadonlyMap<string, HeaderField> {
  return indexByName(fields);
}
