using System.Globalization;
using Madvise.Measurement.Reporting;
using Madvise.Replay.Model;
using Madvise.Replay.Replay;

namespace Madvise.Replay.Report;

/// <summary>
/// The text form of a <see cref="ReplayReport"/>: header lines, a table of programs and their
/// results, each program's details (calls, advice, differences), a table of costs per profile
/// (as logged and batched) and the advisor's findings. The CLI chooses how to draw the tables.
/// </summary>
public static class ReplayText
{
    /// <summary>Differences listed per program in text (the JSON lists them all, up to <see cref="ProgramTally.MaxDifferences"/>).</summary>
    public const int DifferencesShown = 20;

    /// <summary>The lines above the tables: the log, its format, the parse, the passes.</summary>
    public static IEnumerable<string> Header(ReplayReport report)
    {
        var s = report.Settings;
        var parse = report.Parse;
        yield return $"# madv replay {s.LogPath}";
        yield return Invariant($"log: {parse.Lines:#,0} lines, {parse.Calls:#,0} calls ({parse.SplitCalls:#,0} split across lines, {parse.InFlight:#,0} without a result), {parse.Signals:#,0} signals; timestamps {parse.Timestamps}, durations {(parse.Durations ? "yes" : "no")}{(parse.EndsMidLine ? "; ends mid-line" : string.Empty)}");
        if (parse.Unusable > 0)
        {
            var reasons = string.Join(", ", Enum.GetValues<LineProblem>().Where(p => p != LineProblem.None && parse.Count(p) > 0).Select(p => Invariant($"{p} {parse.Count(p)}")));
            yield return Invariant($"lines not used: {parse.Unusable:#,0} ({reasons})");
            foreach (var e in parse.Examples.Take(5))
            {
                yield return Invariant($"  line {e.Line}: {e.Problem}: {e.Text}");
            }
        }

        yield return s.MapsPath is null
            ? "maps: none (memory the kernel mapped without a traced call becomes implicit mappings on first use)"
            : $"maps: {s.MapsPath} ({s.Maps?.Count ?? 0} mappings seed the first process)";
        yield return $"profiles: {string.Join(", ", s.Profiles)} (the first judges); touch before zapping: {(s.Touch ? "yes" : "no")}; advisor: {(s.Advisor ? Invariant($"window {s.WindowMicros} µs") : "off")}";
        if (report.FirstPass is { } first)
        {
            var fastest = report.FastestPass is { } f ? Invariant($"; fastest pass as logged ({f.Profile}): {f.Seconds:0.000} s, {f.CallsPerSecond:#,0} calls/s ({f.CpuSeconds:0.000} s of CPU, {f.CallsPerCpuSecond:#,0} calls per CPU second)") : string.Empty;
            var peak = report.PeakResidentBytes is { } bytes ? Invariant($"; peak resident memory {bytes / (1024.0 * 1024):#,0} MiB (the simulated machine's RAM included)") : string.Empty;
            yield return Invariant($"replay: {report.Passes.Count} passes (read, parse, replay); judging pass on {first.Profile}: {first.Seconds:0.000} s, {first.CallsPerSecond:#,0} calls/s ({first.CpuSeconds:0.000} s of CPU){fastest}{peak}");
        }

        var pct = report.MatchedPercent is { } p ? Invariant($"{p:0.000}%") : "-";
        yield return Invariant($"results: {report.Calls:#,0} calls, {report.Judged:#,0} judged, {report.Matched:#,0} matched ({pct}), {report.Differed:#,0} differed, {report.Unjudged:#,0} not judged");
        foreach (var d in report.ProfileDisagreements)
        {
            yield return "PROFILES DISAGREE: " + d;
        }

        if (report.Partial)
        {
            yield return "PARTIAL: cancelled; the tables hold the passes completed.";
        }
    }

    /// <summary>Programs and their results.</summary>
    public static TextGrid Programs(ReplayReport report)
    {
        var grid = new TextGrid().Column("program", rightAligned: false).Column("processes").Column("threads").Column("calls")
            .Column("judged").Column("matched").Column("differed").Column("not judged").Column("matched %");
        foreach (var p in report.Programs)
        {
            var t = p.Tally;
            grid.Row(t.Name, N(t.Processes), N(t.Threads), N(t.Calls), N(t.Judged), N(t.Matched),
                new TextGrid.Cell(N(t.Differed), t.Differed > 0), N(t.UnjudgedTotal), p.MatchedPercent is { } pct ? Invariant($"{pct:0.000}") : "-");
        }

        return grid;
    }

    /// <summary>One program's details: its calls, advice values, why calls were not judged, and its differences.</summary>
    public static IEnumerable<string> Details(ProgramReport program)
    {
        var t = program.Tally;
        yield return $"## {t.Name}";
        yield return "calls: " + string.Join(", ", t.CallsByName().Select(c => Invariant($"{c.Call} {c.Count}")));
        var advice = t.CallsByAdvice();
        if (advice.Count > 0)
        {
            yield return "advice: " + string.Join(", ", advice.Select(a => Invariant($"{(a.Call == "madvise" ? string.Empty : a.Call + " ")}{a.Advice} {a.Count}")));
        }

        if (t.UnjudgedTotal > 0)
        {
            yield return "not judged: " + string.Join(", ", Enum.GetValues<Unjudged>().Where(r => t.UnjudgedFor(r) > 0).Select(r => Invariant($"{r} {t.UnjudgedFor(r)}")));
        }

        if (t.ImplicitMappings > 0 || t.SeededMappings > 0)
        {
            yield return Invariant($"address space: {t.SeededMappings} mappings from the maps file, {t.ImplicitMappings} implicit ({t.ImplicitBytes:#,0} bytes); {t.TouchedPages:#,0} pages touched before zapping");
        }

        foreach (var d in t.Differences.Take(DifferencesShown))
        {
            yield return Invariant($"DIFFERS line {d.Line} (tid {d.Tid}): {d.Text} -- logged {d.Logged}, simulated {d.Ours}{(d.Note is null ? string.Empty : "; " + d.Note)}");
        }

        var more = t.Differed - Math.Min(t.Differed, DifferencesShown);
        if (more > 0)
        {
            yield return Invariant($"... {more} more differences (all are in --json)");
        }
    }

    /// <summary>
    /// Costs per program and profile: the program as logged, and (with the advisor) rewritten
    /// with batched vectors; mmap_lock acquisitions, TLB shootdowns and time of the madvise and
    /// process_madvise calls, and what batching saved.
    /// </summary>
    public static TextGrid Costs(ReplayReport report)
    {
        var batched = report.Settings.Advisor;
        var grid = new TextGrid().Column("program", rightAligned: false).Column("profile", rightAligned: false)
            .Column("calls").Column("mmap_lock").Column("advice calls").Column("advice mmap_lock").Column("advice TLB shootdowns").Column("advice time µs");
        if (batched)
        {
            grid.Column("batched calls").Column("batched mmap_lock").Column("batched TLB shootdowns").Column("batched time µs").Column("lock round trips saved").Column("time batched/logged");
        }

        foreach (var p in report.Programs)
        {
            if (p.Tally.Advice.Calls == 0 && p.Profiles.All(c => c.Original.All(s => s.AdviceCalls == 0)))
            {
                continue;
            }

            foreach (var c in p.Profiles)
            {
                if (c.Original.Count == 0)
                {
                    continue;
                }

                var o = c.Original[0];
                var cells = new List<TextGrid.Cell>
                {
                    p.Name, c.Profile.ToString(), N(o.Calls), N(o.LockAcquisitions), N(o.AdviceCalls), N(o.AdviceLockAcquisitions),
                    N(o.AdviceTlbFlushes), Micros(c.OriginalAdviceTime),
                };
                if (batched)
                {
                    if (c.Batched.Count == 0)
                    {
                        cells.AddRange(["-", "-", "-", "-", "-", "-"]);
                    }
                    else
                    {
                        var b = c.Batched[0];
                        var saved = o.AdviceLockAcquisitions - b.AdviceLockAcquisitions;
                        var ratio = c.AdviceTimeRatio;
                        cells.AddRange([
                            N(b.AdviceCalls), N(b.AdviceLockAcquisitions), N(b.AdviceTlbFlushes), Micros(c.BatchedAdviceTime),
                            o.AdviceLockAcquisitions == 0 ? N(saved) : Invariant($"{saved:#,0} ({100.0 * saved / o.AdviceLockAcquisitions:0.0}%)"),
                            ratio is null ? "-" : Invariant($"{ratio.Value:0.000}") + (ratio.Interval is { } i ? Invariant($" [{i.Lower:0.000}, {i.Upper:0.000}]") : string.Empty),
                        ]);
                    }
                }

                grid.Row([.. cells]);
            }
        }

        return grid;
    }

    /// <summary>The batching advisor's findings per program (programs without a run are left out).</summary>
    public static TextGrid Advisor(ReplayReport report)
    {
        var grid = new TextGrid().Column("program", rightAligned: false).Column("runs").Column("calls in runs").Column("vectors")
            .Column("single calls").Column("longest run").Column("by advice (runs/calls)", rightAligned: false);
        foreach (var p in report.Programs)
        {
            if (p.Advisor is not { } a || a.Runs + a.SingleCalls == 0)
            {
                continue;
            }

            grid.Row(p.Name, N(a.Runs), N(a.CallsInRuns), N(a.Vectors), N(a.SingleCalls), N(a.LongestRun),
                string.Join(", ", a.ByAdvice().Select(x => Invariant($"{x.Advice} {x.Runs}/{x.Calls}"))));
        }

        return grid;
    }

    private static string N(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>Mean time in microseconds, with the interval's half-width when there are several runs.</summary>
    private static string Micros(Madvise.Measurement.Statistics.SampleSummary s)
    {
        if (s.Count == 0)
        {
            return "-";
        }

        var text = Invariant($"{s.Mean * 1e6:#,0.0}");
        return s.MeanInterval is { } i ? text + Invariant($" ±{(i.Upper - i.Lower) * 1e6 / 2:#,0.0}") : text;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
