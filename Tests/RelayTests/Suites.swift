import Testing

/// Every relay suite runs one test at a time: they start relays, spawn python clients and relay
/// processes, and several check timing (ping timeouts of a few hundred ms), which a fully loaded
/// 2-core machine would blur.
@Suite(.serialized) enum RelaySuites {}
