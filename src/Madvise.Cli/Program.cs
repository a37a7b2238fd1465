using System.CommandLine;
using System.CommandLine.Invocation;
using Madvise.Cli.Commands;
using Madvise.Measurement.Workloads;
using Madvise.Cli.Help;
using Madvise.Scenarios;

namespace Madvise.Cli;

/// <summary>Entry point of the <c>madv</c> tool: builds the command tree and runs it.</summary>
public static class Program
{
    private const string Details = """
        Exit codes (every command):
          0  success
          1  an expectation or a comparison failed
          2  a usage error, a file that cannot be read or parsed, an unavailable target
          3  a scenario task died (run, check: an agent killed by a signal, or crashed)

        Example:
          madv run tests/scenarios/madv-dontneed-anon.scn --target sim
          madv run --help
        """;

    /// <summary>Runs <c>madv</c> on the console with the targets of this build.</summary>
    public static int Main(string[] args)
    {
        // The host target's helper processes run this executable as `madv agent ...`: started
        // straight away, without the command tree (which has a hidden `agent` for --help).
        if (args is [AgentCommand.Name, ..] && !AgentCommand.AsksForHelp(args))
        {
            return Scenarios.Host.AgentProgram.Run(args[1..]);
        }

        // The compaction tests and benchmark start this executable as the process to compact.
        if (args is ["compact-target", ..])
        {
            return CompactTargetProgram.Run(args[1..], Console.In, Console.Out, Console.Error);
        }

        return Run(args, CreateTargets(), Console.Out, Console.Error);
    }

    /// <summary>The scenario targets of this build.</summary>
    /// <remarks>The simulated-kernel (<c>sim</c>) and host (<c>host</c>) targets register here.</remarks>
    internal static ScenarioTargets CreateTargets() => new ScenarioTargets()
        .Register(ScenarioTargets.Sim, static () => new Madvise.Scenarios.Sim.SimTarget())
        .Register(ScenarioTargets.Host, static () => new Madvise.Scenarios.Host.HostScenarioTarget());

    /// <summary>Parses <paramref name="args"/> and runs the command; the exit status is that of <see cref="ExitCodes"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="targets">The scenario targets.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="memory">How much memory a measurement may take (tests); null reads this machine's.</param>
    internal static int Run(string[] args, ScenarioTargets targets, TextWriter output, TextWriter error, Func<MemoryAvailability>? memory = null)
    {
        var root = BuildRootCommand(new CliContext(targets, output, error, memory));
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            if (parse.CommandResult.Command == root)
            {
                // Without a command System.CommandLine reports both "Required command was not
                // provided" and the unrecognised word: one message says it.
                var commands = string.Join(", ", root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
                var word = parse.UnmatchedTokens.Count > 0 ? parse.UnmatchedTokens[0] : null;
                error.WriteLine(word is null ? $"madv: no command given (commands: {commands})"
                    : word.StartsWith('-') ? $"madv: unknown option {PrintableText.Quote(word)}"
                    : $"madv: unknown command {PrintableText.Quote(word)} (commands: {commands})");
            }
            else
            {
                foreach (var e in parse.Errors)
                {
                    error.WriteLine("madv: " + e.Message);
                }
            }

            error.WriteLine("Try 'madv --help'.");
            return ExitCodes.Usage;
        }

        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    /// <summary>The command tree. A helper command hidden from --help is one line here: <c>new Command(...) { Hidden = true }</c>.</summary>
    internal static RootCommand BuildRootCommand(CliContext context)
    {
        var root = new RootCommand("madv: Linux madvise(2) and process_madvise(2) on a simulated kernel and on the running kernel.").WithHelpDetails(Details);
        root.Subcommands.Add(RunCommand.Create(context));
        root.Subcommands.Add(CheckCommand.Create(context));
        root.Subcommands.Add(EvalCommand.Create(context));
        root.Subcommands.Add(ContentionCommand.Create(context));
        root.Subcommands.Add(CompareCommand.Create(context));
        root.Subcommands.Add(CompactCommand.Create(context));
        root.Subcommands.Add(CompactBenchCommand.Create(context));
        root.Subcommands.Add(AgentCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create(context));
        root.Subcommands.Add(TraceCommand.Create(context));
        HelpDetails.Install(root);
        return root;
    }
}
