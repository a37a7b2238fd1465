using System.CommandLine;
using Madvise.Cli.Help;
using Madvise.Scenarios.Host;

namespace Madvise.Cli.Commands;

/// <summary>
/// <c>madv agent cpu=N parent=PID</c>: the helper process of the host target, one per scenario
/// <c>task</c>. Internal: hidden from <c>madv --help</c>, but <c>madv agent --help</c> says what it is.
/// </summary>
/// <remarks>
/// <c>Program.Main</c> starts an agent without building the command tree (it is started once per
/// task and only reads its two settings); this command is what <c>madv agent --help</c> and any
/// other use of the word go through.
/// </remarks>
internal static class AgentCommand
{
    /// <summary>The command's name.</summary>
    public const string Name = "agent";

    private const string Details = """
        Usage:
          madv agent cpu=N parent=PID

        Internal: 'madv run' and 'madv check' start one agent per 'task' step of a scenario on
        the host target. The agent runs that task's steps in its own process: it reads requests
        from standard input and answers on standard output, which must both be one AF_UNIX
        stream socket to the madv process named by parent=PID; it exits when that process ends
        or closes the socket. It is of no use run by hand.

        Exit codes:
          0  the parent closed the socket, sent 'exit', or ended
          2  an argument other than cpu=N and parent=PID

        Example (what madv run runs for a task, with the socket as standard input and output):
          madv agent cpu=0 parent=4242
        """;

    /// <summary>True when <paramref name="args"/> asks for help (the agent's own start never does).</summary>
    public static bool AsksForHelp(string[] args) => Array.Exists(args, a => a is "--help" or "-h" or "-?");

    /// <summary>Builds the hidden command.</summary>
    public static Command Create()
    {
        var settings = new Argument<string[]>("SETTING")
        {
            Arity = ArgumentArity.ZeroOrMore,
            Description = "cpu=N (the CPU to pin the agent's thread to) and parent=PID (the madv process it serves).",
        };
        var command = new Command(Name, "Internal: the helper process of the host target, one per scenario task (started by madv run and madv check).")
        {
            Hidden = true,
        };
        command.Arguments.Add(settings);
        command.WithHelpDetails(Details);
        command.SetAction(parse => AgentProgram.Run(parse.GetValue(settings) ?? []));
        return command;
    }
}
