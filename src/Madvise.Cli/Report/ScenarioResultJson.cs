using System.Text.Json;

namespace Madvise.Cli.Report;

/// <summary><c>madv run/check --json FILE</c>: per file the counts and every mismatch. Schema "madv-scenarios/1" in the README.</summary>
internal static class ScenarioResultJson
{
    /// <summary>The schema name and version.</summary>
    public const string Schema = "madv-scenarios/1";

    /// <summary>Writes <paramref name="files"/> of <paramref name="command"/> (run or check) as indented UTF-8 JSON.</summary>
    public static void Write(Stream stream, string command, IReadOnlyList<ScenarioFileResult> files)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("schema", Schema);
        json.WriteString("command", command);
        json.WriteStartArray("files");
        int steps = 0, held = 0, mismatched = 0, skipped = 0, errors = 0, unreadable = 0;
        foreach (var f in files)
        {
            json.WriteStartObject();
            json.WriteString("path", f.Path);
            json.WriteString("target", f.Target);
            json.WriteString("load_error", f.LoadError);
            json.WriteNumber("steps", f.Steps);
            json.WriteNumber("held", f.Held);
            json.WriteNumber("mismatched", f.Mismatched);
            json.WriteNumber("skipped", f.Skipped);
            json.WriteNumber("errors", f.Errors);
            json.WriteNumber("seconds", Math.Round(f.Seconds, 3));
            json.WriteStartArray("mismatches");
            foreach (var c in f.Cases)
            {
                if (c.Outcome is ScenarioCaseOutcome.Failed or ScenarioCaseOutcome.Error)
                {
                    json.WriteStartObject();
                    json.WriteNumber("line", c.Line);
                    json.WriteString("step", c.Step);
                    json.WriteString("expected", c.Expected);
                    json.WriteString("got", c.Got);
                    json.WriteString("kind", c.Outcome == ScenarioCaseOutcome.Error ? "target-error" : command == "check" ? "difference" : "mismatch");
                    json.WriteEndObject();
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
            steps += f.Steps;
            held += f.Held;
            mismatched += f.Mismatched;
            skipped += f.Skipped;
            errors += f.Errors;
            unreadable += f.LoadError is null ? 0 : 1;
        }

        json.WriteEndArray();
        json.WriteStartObject("totals");
        json.WriteNumber("files", files.Count);
        json.WriteNumber("unreadable", unreadable);
        json.WriteNumber("steps", steps);
        json.WriteNumber("held", held);
        json.WriteNumber("mismatched", mismatched);
        json.WriteNumber("skipped", skipped);
        json.WriteNumber("errors", errors);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
