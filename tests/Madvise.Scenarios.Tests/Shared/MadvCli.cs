using Madvise.Cli;
using Madvise.Measurement.Workloads;

namespace Madvise.Scenarios.Tests.Shared;

/// <summary>Runs <c>madv</c> in this process with its output captured.</summary>
internal static class MadvCli
{
    /// <summary>The exit status, standard output and standard error of <c>madv ARGS</c> (line ends as "\n").</summary>
    public static (int Code, string Output, string Error) Run(ScenarioTargets targets, params string[] args) => Run(targets, null, args);

    /// <summary>The same, with the memory a measurement may take given by <paramref name="memory"/>.</summary>
    public static (int Code, string Output, string Error) Run(ScenarioTargets targets, Func<MemoryAvailability>? memory, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.Run(args, targets, output, error, memory);
        return (code, output.ToString().ReplaceLineEndings("\n"), error.ToString().ReplaceLineEndings("\n"));
    }
}
