using Madvise.Scenarios.Tests.Shared;

namespace Madvise.Scenarios.Tests.Cli;

/// <summary>Usage errors speak the user's language, once; the internal agent command explains itself.</summary>
public class CliUsageTests
{
    [Theory]
    [InlineData("frob", "madv: unknown command 'frob' (commands: run, check, eval, contention, compare, compact, compact-bench, replay, trace)")]
    [InlineData("", "madv: no command given (commands: run, check, eval, contention, compare, compact, compact-bench, replay, trace)")]
    [InlineData("--frob", "madv: unknown option '--frob'")]
    [InlineData("contention --interval soon", "madv: --interval: expected microseconds, e.g. 50, not 'soon'")]
    [InlineData("contention --seconds NaN", "madv: --seconds: expected seconds, e.g. 2.5, not 'NaN'")]
    [InlineData("eval --seconds Infinity", "madv: --seconds: expected seconds, e.g. 2.5, not 'Infinity'")]
    [InlineData("compact 12ab", "madv: PID: expected a process id, e.g. 4242, not '12ab'")]
    [InlineData("compact --sim --max-ranges many", "madv: --max-ranges: expected a number of ranges, e.g. 64, not 'many'")]
    [InlineData("compare a.json b.json --threads two", "madv: --threads: expected a number of threads, e.g. 2, not 'two'")]
    [InlineData("compact-bench --runs five", "madv: --runs: expected a number of compactions, e.g. 5, not 'five'")]
    [InlineData("compact-bench --idle 1,5", "madv: --idle: expected seconds, e.g. 1.5, not '1,5'")]
    [InlineData("compact-bench --vmas lots", "madv: --vmas: expected a number of mappings, e.g. 400, not 'lots'")]
    public void OneMessage_ThenTryHelp_Exit2(string args, string message)
    {
        var (code, output, error) = Madv(args.Length == 0 ? [] : args.Split(' '));
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal(message + "\nTry 'madv --help'.\n", error);
    }

    /// <summary>compact-bench checks its output files before the first kernel is measured, as eval does.</summary>
    [Theory]
    [InlineData("--json /no-such-dir/bench.json", "madv: --json /no-such-dir/bench.json: the directory /no-such-dir does not exist")]
    [InlineData("--plot bench.gif", "madv: --plot bench.gif: the file name must end in .png or .svg")]
    [InlineData("--json /proc/bench.json", "madv: --json /proc/bench.json: cannot create a file in /proc: no such file or directory")]
    public void CompactBench_OutputFilesRefusedBeforeMeasuring(string args, string message)
    {
        var (code, output, error) = Madv(["compact-bench", "--target", "sim", .. args.Split(' ')]);
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal(message + "\n", error);
    }

    [Theory]
    [InlineData("eval --seconds 2.5 --repeat 3")]
    [InlineData("contention --interval 0 --seconds 1e-1")]
    public void GoodNumbersStillParse(string args)
    {
        var root = Madvise.Cli.Program.BuildRootCommand(new Madvise.Cli.CliContext(new ScenarioTargets(), TextWriter.Null, TextWriter.Null));
        Assert.Empty(root.Parse(args.Split(' ')).Errors);
    }

    [Theory]
    [InlineData("agent --help")]
    [InlineData("agent -h")]
    public void AgentHelp_SaysItIsInternal(string args)
    {
        var (code, output, error) = Madv(args.Split(' '));
        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Contains("madv agent cpu=N parent=PID", output, StringComparison.Ordinal);
        Assert.Contains("Internal:", output, StringComparison.Ordinal);
    }

    [Fact]
    public void RootHelp_DoesNotListTheAgent()
    {
        var (_, output, _) = Madv("--help");
        Assert.Contains("  run <FILE>", output, StringComparison.Ordinal);
        Assert.DoesNotContain(output.Split('\n'), line => line.TrimStart().StartsWith("agent", StringComparison.Ordinal));
    }

    private static (int Code, string Output, string Error) Madv(params string[] args) => MadvCli.Run(new ScenarioTargets(), args);
}
