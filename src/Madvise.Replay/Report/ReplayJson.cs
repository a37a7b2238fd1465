using System.Text.Json;
using Madvise.Measurement.Reporting;
using Madvise.Replay.Model;
using Madvise.Replay.Replay;

namespace Madvise.Replay.Report;

/// <summary>
/// Writes a <see cref="ReplayReport"/> as JSON, schema <c>madv-replay/1</c> (documented in the
/// README's "Replaying real programs" section): the common header, the totals over the whole
/// log (<c>calls</c>, <c>judged</c>, <c>matched</c>, <c>differed</c>, <c>unjudged</c>), the
/// <c>differences</c>, the parser's counts, and per program its calls, results, costs per
/// profile and the batching advisor's findings.
/// </summary>
public static class ReplayJson
{
    /// <summary>The schema name written in the header.</summary>
    public const string Schema = "madv-replay/1";

    /// <summary>Writes <paramref name="report"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, ReplayReport report, MachineInfo machine, DateTimeOffset startedUtc, TimeSpan elapsed)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        JsonHeader.Write(json, Schema, machine, startedUtc, elapsed, "replay of an strace log on the simulated kernel", report.Partial);
        var settings = report.Settings;
        json.WriteString("log", settings.LogPath);
        if (settings.MapsPath is null)
        {
            json.WriteNull("maps");
        }
        else
        {
            json.WriteString("maps", settings.MapsPath);
        }

        json.WriteStartArray("profiles");
        foreach (var p in settings.Profiles)
        {
            json.WriteStringValue(p.ToString());
        }

        json.WriteEndArray();
        json.WriteBoolean("touch", settings.Touch);
        json.WriteBoolean("advisor", settings.Advisor);
        json.WriteNumber("window_us", settings.WindowMicros);
        json.WriteNumber("runs", settings.Runs);

        WriteResults(json, report.Calls, report.Matched, report.Differed, report.Unjudged, report.MatchedPercent, report.UnjudgedFor);
        json.WriteStartArray("differences");
        foreach (var (program, d) in report.Differences())
        {
            WriteDifference(json, d, program);
        }

        json.WriteEndArray();
        json.WriteNumber("late_events", report.LateEvents);
        JsonHeader.WriteNumberOrNull(json, "peak_rss_bytes", report.PeakResidentBytes);
        json.WriteStartArray("profile_disagreements");
        foreach (var d in report.ProfileDisagreements)
        {
            json.WriteStringValue(d);
        }

        json.WriteEndArray();

        WriteParse(json, report);
        json.WriteStartArray("passes");
        foreach (var pass in report.Passes)
        {
            json.WriteStartObject();
            json.WriteString("profile", pass.Profile.ToString());
            json.WriteBoolean("batched", pass.Batched);
            json.WriteNumber("run", pass.Run);
            json.WriteNumber("seconds", Math.Round(pass.Seconds, 6));
            json.WriteNumber("cpu_seconds", Math.Round(pass.CpuSeconds, 6));
            json.WriteNumber("calls_per_second", Math.Round(pass.CallsPerSecond));
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("programs");
        foreach (var program in report.Programs)
        {
            WriteProgram(json, program);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteParse(Utf8JsonWriter json, ReplayReport report)
    {
        var parse = report.Parse;
        json.WriteStartObject("lines");
        json.WriteNumber("total", parse.Lines);
        json.WriteNumber("bytes", parse.Bytes);
        json.WriteNumber("calls", parse.Calls);
        json.WriteNumber("split_calls", parse.SplitCalls);
        json.WriteNumber("in_flight", parse.InFlight);
        json.WriteNumber("signals", parse.Signals);
        json.WriteString("timestamps", parse.Timestamps.ToString());
        json.WriteBoolean("durations", parse.Durations);
        json.WriteBoolean("ends_mid_line", parse.EndsMidLine);
        json.WriteNumber("unusable", parse.Unusable);
        json.WriteStartObject("unusable_by_problem");
        foreach (var problem in Enum.GetValues<LineProblem>())
        {
            if (problem != LineProblem.None && parse.Count(problem) > 0)
            {
                json.WriteNumber(problem.ToString(), parse.Count(problem));
            }
        }

        json.WriteEndObject();
        json.WriteStartArray("unusable_examples");
        foreach (var e in parse.Examples)
        {
            json.WriteStartObject();
            json.WriteNumber("line", e.Line);
            json.WriteString("problem", e.Problem.ToString());
            json.WriteString("text", e.Text);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteProgram(Utf8JsonWriter json, ProgramReport program)
    {
        var t = program.Tally;
        json.WriteStartObject();
        json.WriteString("name", t.Name);
        json.WriteNumber("processes", t.Processes);
        json.WriteNumber("threads", t.Threads);
        WriteResults(json, t.Calls, t.Matched, t.Differed, t.UnjudgedTotal, program.MatchedPercent, t.UnjudgedFor);
        json.WriteStartObject("calls_by_name");
        foreach (var (call, count) in t.CallsByName())
        {
            json.WriteNumber(call, count);
        }

        json.WriteEndObject();
        json.WriteStartArray("calls_by_advice");
        foreach (var (call, advice, count) in t.CallsByAdvice())
        {
            json.WriteStartObject();
            json.WriteString("call", call);
            json.WriteString("advice", advice);
            json.WriteNumber("count", count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("implicit_mappings", t.ImplicitMappings);
        json.WriteNumber("implicit_bytes", t.ImplicitBytes);
        json.WriteNumber("seeded_mappings", t.SeededMappings);
        json.WriteNumber("touched_pages", t.TouchedPages);
        json.WriteNumber("differences_not_listed", t.DifferencesNotKept);
        json.WriteStartArray("profiles");
        foreach (var costs in program.Profiles)
        {
            json.WriteStartObject();
            json.WriteString("profile", costs.Profile.ToString());
            WriteSamples(json, "original", costs.Original);
            WriteSamples(json, "batched", costs.Batched);
            if (costs.AdviceTimeRatio is { } ratio)
            {
                json.WriteStartObject("advice_time_ratio");
                json.WriteNumber("value", Math.Round(ratio.Value, 6));
                JsonHeader.WriteNumberOrNull(json, "lower", ratio.Interval?.Lower);
                JsonHeader.WriteNumberOrNull(json, "upper", ratio.Interval?.Upper);
                json.WriteNumber("level", ratio.Level);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("advice_time_ratio");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (program.Advisor is { } a)
        {
            json.WriteStartObject("advisor");
            json.WriteNumber("runs", a.Runs);
            json.WriteNumber("calls_in_runs", a.CallsInRuns);
            json.WriteNumber("vectors", a.Vectors);
            json.WriteNumber("single_calls", a.SingleCalls);
            json.WriteNumber("longest_run", a.LongestRun);
            json.WriteNumber("vectors_short", a.VectorsShort);
            json.WriteStartArray("by_advice");
            foreach (var (advice, runs, calls) in a.ByAdvice())
            {
                json.WriteStartObject();
                json.WriteString("advice", advice);
                json.WriteNumber("runs", runs);
                json.WriteNumber("calls", calls);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("advisor");
        }

        json.WriteStartArray("differences");
        foreach (var d in t.Differences)
        {
            WriteDifference(json, d, null);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteSamples(Utf8JsonWriter json, string name, List<CostSample> samples)
    {
        json.WriteStartArray(name);
        foreach (var s in samples)
        {
            json.WriteStartObject();
            json.WriteNumber("calls", s.Calls);
            json.WriteNumber("lock_reads", s.LockReads);
            json.WriteNumber("lock_writes", s.LockWrites);
            json.WriteNumber("tlb_flushes", s.TlbFlushes);
            json.WriteNumber("seconds", Math.Round(s.Seconds, 9));
            json.WriteNumber("advice_calls", s.AdviceCalls);
            json.WriteNumber("advice_lock_acquisitions", s.AdviceLockAcquisitions);
            json.WriteNumber("advice_tlb_flushes", s.AdviceTlbFlushes);
            json.WriteNumber("advice_seconds", Math.Round(s.AdviceSeconds, 9));
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>The result counts the top level and each program carry: calls, judged, matched, differed, unjudged (and by reason), matched_percent.</summary>
    private static void WriteResults(Utf8JsonWriter json, long calls, long matched, long differed, long unjudged, double? matchedPercent, Func<Unjudged, long> unjudgedFor)
    {
        json.WriteNumber("calls", calls);
        json.WriteNumber("judged", matched + differed);
        json.WriteNumber("matched", matched);
        json.WriteNumber("differed", differed);
        json.WriteNumber("unjudged", unjudged);
        JsonHeader.WriteNumberOrNull(json, "matched_percent", matchedPercent is { } pct ? Math.Round(pct, 4) : null);
        WriteUnjudged(json, unjudgedFor);
    }

    private static void WriteUnjudged(Utf8JsonWriter json, Func<Unjudged, long> count)
    {
        json.WriteStartObject("unjudged_by_reason");
        foreach (var reason in Enum.GetValues<Unjudged>())
        {
            if (count(reason) > 0)
            {
                json.WriteNumber(reason.ToString(), count(reason));
            }
        }

        json.WriteEndObject();
    }

    private static void WriteDifference(Utf8JsonWriter json, Difference d, string? program)
    {
        json.WriteStartObject();
        if (program is not null)
        {
            json.WriteString("program", program);
        }

        json.WriteNumber("line", d.Line);
        json.WriteNumber("tid", d.Tid);
        json.WriteString("call", d.Text);
        json.WriteString("logged", d.Logged);
        json.WriteString("ours", d.Ours);
        if (d.Note is null)
        {
            json.WriteNull("note");
        }
        else
        {
            json.WriteString("note", d.Note);
        }

        json.WriteEndObject();
    }
}
