using System.CommandLine;
using Madvise.Cli.Help;
using Madvise.Cli.Report;

namespace Madvise.Cli.Commands;

/// <summary><c>madv compare A.json B.json</c>: is B faster than A, configuration by configuration, with intervals and a significance test.</summary>
internal static class CompareCommand
{
    private const string Details = """
        Reads two madv eval --json files (schema madv-eval/2, which keeps every pass time) and,
        for every configuration in both, compares B's pass times with A's: the ratio B/A (the
        median of all pairwise ratios) with its 95% distribution-free interval, the two-sided
        Mann-Whitney U test, and a verdict at the 5% level: 'B faster', 'B slower', 'no
        significant difference', or 'too few passes' when the samples are too small for the test
        to reach 5% at all (three passes a side never can). Both machines are shown.

        Which configurations are compared:
          by default, the same kernel (profile or host), thread count and batch size in both;
          --a KERNEL --b KERNEL compares A's configurations of one kernel with B's of another
          (e.g. PerRangeLock in A against BatchedLock in B), batch by batch;
          --threads N keeps one thread count.
        Files of different workloads (hint, --mem, --unit, sibling work) are refused.

        Exit codes:
          0  compared
          2  a file cannot be read, is not a madv eval file, the workloads differ, or nothing matches

        Examples:
          madv eval --target sim --profiles PerRangeLock --json before.json
          madv eval --target sim --profiles BatchedLock --json after.json
          madv compare before.json after.json --a PerRangeLock --b BatchedLock
        """;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliContext context)
    {
        var a = new Argument<string>("A") { Description = "The baseline: a madv eval --json file." };
        var b = new Argument<string>("B") { Description = "The candidate: a madv eval --json file." };
        var kernelA = new Option<string?>("--a") { Description = "Compare only A's configurations of this kernel (a profile name or host); needs --b.", HelpName = "KERNEL" };
        var kernelB = new Option<string?>("--b") { Description = "... against B's configurations of this kernel; needs --a.", HelpName = "KERNEL" };
        var threads = new Option<int?>("--threads") { Description = "Compare only configurations with this many threads.", HelpName = "N", CustomParser = OptionValues.WholeNumber("a number of threads, e.g. 2") };
        var markdown = new Option<bool>("--markdown") { Description = "Print the table in Markdown, without colours." };
        var command = new Command("compare", "Compare two madv eval --json runs: per configuration B/A with its interval and a Mann-Whitney test.") { a, b, kernelA, kernelB, threads, markdown }.WithHelpDetails(Details);
        command.SetAction(parse => Execute(context, parse.GetValue(a)!, parse.GetValue(b)!, parse.GetValue(kernelA), parse.GetValue(kernelB), parse.GetValue(threads), parse.GetValue(markdown)));
        return command;
    }

    /// <summary>Reads, compares, prints.</summary>
    public static int Execute(CliContext context, string pathA, string pathB, string? kernelA, string? kernelB, int? threads, bool markdown)
    {
        if ((kernelA is null) != (kernelB is null))
        {
            context.Error.WriteLine("madv: --a and --b go together: name the kernel of A and the kernel of B");
            return ExitCodes.Usage;
        }

        EvalResultFile fileA, fileB;
        try
        {
            fileA = EvalResultFile.Read(pathA);
            fileB = EvalResultFile.Read(pathB);
        }
        catch (FormatException ex)
        {
            context.Error.WriteLine("madv: " + ex.Message);
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine("madv: cannot read: " + ex.Message);
            return ExitCodes.Usage;
        }

        EvalComparison comparison;
        try
        {
            comparison = EvalComparison.Compare(fileA, fileB, kernelA, kernelB, threads);
        }
        catch (ArgumentException ex)
        {
            context.Error.WriteLine("madv: " + ex.Message);
            return ExitCodes.Usage;
        }

        TableOutput.Write(ConsoleOutput.Create(context.Out), ComparisonTable.HeaderLines(comparison), ComparisonTable.Build(comparison), markdown);
        return ExitCodes.Success;
    }
}
