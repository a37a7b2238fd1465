using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace Madvise.Cli.Help;

/// <summary>
/// Longer help text (what a command prints, its exit codes, an example) shown after the
/// standard <c>--help</c> output of one command, so that the command list keeps one-line
/// descriptions.
/// </summary>
internal static class HelpDetails
{
    /// <summary>Command → its details; weak so that command trees built by tests can be collected.</summary>
    private static readonly ConditionalWeakTable<Command, string> Details = [];

    /// <summary>Attaches <paramref name="details"/> to <paramref name="command"/>'s help.</summary>
    public static T WithHelpDetails<T>(this T command, string details)
        where T : Command
    {
        Details.AddOrUpdate(command, details);
        return command;
    }

    /// <summary>Makes the help option of <paramref name="root"/> (which every subcommand inherits) print the details.</summary>
    public static void Install(RootCommand root)
    {
        foreach (var option in root.Options)
        {
            if (option is HelpOption help && help.Action is SynchronousCommandLineAction standard)
            {
                help.Action = new DetailedHelpAction(standard);
            }
        }
    }

    /// <summary>The standard help, then the details of the command asked about.</summary>
    private sealed class DetailedHelpAction(SynchronousCommandLineAction standard) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var status = standard.Invoke(parseResult);
            if (Details.TryGetValue(parseResult.CommandResult.Command, out var details))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine(details.TrimEnd());
                output.WriteLine();
            }

            return status;
        }
    }
}
