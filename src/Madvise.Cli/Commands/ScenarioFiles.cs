using System.CommandLine;
using System.Globalization;
using Madvise.Scenarios;
using Madvise.Scenarios.Steps;

namespace Madvise.Cli.Commands;

/// <summary>Loading scenario files for the commands, with the error messages the spec asks for.</summary>
internal static class ScenarioFiles
{
    /// <summary>The <c>FILE...</c> argument; a value that starts with '-' is an unknown option, not a file (write <c>./-x</c> for such a file).</summary>
    public static Argument<string[]> CreateArgument(string description)
    {
        var files = new Argument<string[]>("FILE")
        {
            Arity = ArgumentArity.OneOrMore,
            Description = description,
        };
        files.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.StartsWith('-'))
                {
                    result.AddError($"Unrecognized command or argument '{token.Value}'.");
                }
            }
        });
        return files;
    }

    /// <summary>
    /// Reads and parses <paramref name="path"/>; on failure prints why on <paramref name="error"/>
    /// (every parse error up to <see cref="ScenarioParser.MaxReportedErrors"/>, then how many
    /// more) and returns null.
    /// </summary>
    public static Scenario? TryLoad(string path, TextWriter error)
    {
        try
        {
            return ScenarioParser.ParseFile(path);
        }
        catch (ScenarioParseException ex)
        {
            foreach (var e in ex.Errors)
            {
                error.WriteLine(e.ToString());
            }

            if (ex.UnreportedErrors > 0)
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Printable(path)}: {ex.UnreportedErrors} more parse errors"));
            }
        }
        catch (IOException ex)
        {
            error.WriteLine($"{Printable(path)}: cannot read: {ex.Message}");
        }

        return null;
    }

    /// <summary>A path as it may be printed: control characters escaped, never cut.</summary>
    public static string Printable(string path) => PrintableText.Escape(path, int.MaxValue);

    /// <summary>True when every target in <paramref name="names"/> is registered; else prints why not.</summary>
    public static bool CheckTargets(CliContext context, params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            if (context.Targets.Unavailable(name) is { } message)
            {
                context.Error.WriteLine("madv: " + message);
                return false;
            }
        }

        return true;
    }

    /// <summary>Creates a fresh target, or prints why not and returns null.</summary>
    public static IScenarioTarget? TryCreateTarget(CliContext context, string name)
    {
        if (context.Targets.TryCreate(name, out var target, out var message))
        {
            return target;
        }

        context.Error.WriteLine("madv: " + message);
        return null;
    }
}
