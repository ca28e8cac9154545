import Testing

/// The browser suites share one running system (`ccr-local up` in a temporary folder) and one
/// headless Chromium at a time; on a 2-core machine they run one after another.
@Suite(.serialized) enum DashboardSuites {}
