using System.Runtime.CompilerServices;

// The host target's tests (RangeSet, ScenarioMemoryGuard, the agent protocol) live with the
// host bindings' tests, which run on the real kernel.
[assembly: InternalsVisibleTo("Madvise.Host.Tests")]
