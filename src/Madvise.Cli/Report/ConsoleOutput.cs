using Spectre.Console;

namespace Madvise.Cli.Report;

/// <summary>Spectre consoles over the command's output writer.</summary>
internal static class ConsoleOutput
{
    /// <summary>Width used when the output is not a terminal, so wide tables are not squeezed in files and pipes.</summary>
    public const int RedirectedWidth = 240;

    /// <summary>True when <paramref name="writer"/> is this process's standard output and that is a terminal.</summary>
    public static bool IsTerminal(TextWriter writer) => ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;

    /// <summary>
    /// A console writing to <paramref name="writer"/>: colours and the terminal's width on a
    /// terminal; plain text <see cref="RedirectedWidth"/> columns wide otherwise.
    /// </summary>
    public static IAnsiConsole Create(TextWriter writer)
    {
        var terminal = IsTerminal(writer);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        if (!terminal)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }
}
