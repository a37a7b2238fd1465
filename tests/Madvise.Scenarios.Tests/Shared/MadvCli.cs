using Madvise.Cli;

namespace Madvise.Scenarios.Tests.Shared;

/// <summary>Runs <c>madv</c> in this process with its output captured.</summary>
internal static class MadvCli
{
    /// <summary>The exit status, standard output and standard error of <c>madv ARGS</c> (line ends as "\n").</summary>
    public static (int Code, string Output, string Error) Run(ScenarioTargets targets, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Program.Run(args, targets, output, error);
        return (code, output.ToString().ReplaceLineEndings("\n"), error.ToString().ReplaceLineEndings("\n"));
    }
}
