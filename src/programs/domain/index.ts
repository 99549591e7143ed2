/** The pure rules of nurture programs: definition shape, step graph, durations, send windows, frequency cap. */
export * from './program-definition.js';
export { parseProgramDefinition } from './parse-program-definition.js';
export { validateStepGraph, type StepGraphContext } from './step-graph.js';
export { addBusinessDays, addDuration, isWholeDays, isZeroDuration, parseDuration, type Duration } from './duration.js';
export { assertTimeZone, isValidTimeZone, resolveTimeZone } from './time-zone.js';
export { clockToMinutes, isInsideWindow, nextSendTime } from './send-window.js';
export { DEFAULT_FREQUENCY_CAP, fitsFrequencyCap, nextAllowedSend, type FrequencyCap } from './frequency-cap.js';
export { scheduleSend } from './schedule-send.js';
