using System.Diagnostics;
using Madvise.Kernel;
using Madvise.Kernel.Mm.Physical;
using Madvise.Measurement.Reporting;
using Madvise.Replay.Advisor;
using Madvise.Replay.Model;
using Madvise.Replay.Strace;

namespace Madvise.Replay.Replay;

/// <summary>
/// Replays a log on every requested kernel profile, as logged and (with the advisor) rewritten
/// with batched vectors, each pass streaming the file through a fresh parser and a fresh
/// simulated kernel, so memory stays bounded by one pass whatever the log's size. The first
/// pass judges the results; later passes must reproduce the same verdicts.
/// </summary>
public static class ReplaySession
{
    /// <summary>How often (in events) a pass checks for cancellation and reports progress.</summary>
    private const int CheckEvery = 4096;

    /// <summary>
    /// Runs <paramref name="settings"/>: a judging pass on the first profile (it also warms the
    /// code up; its costs are not kept), then, <see cref="ReplaySettings.Runs"/> times, a pass per
    /// profile as logged and (with the advisor) batched, whose costs are the samples.
    /// </summary>
    /// <exception cref="IOException">The log cannot be read.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the judging pass completed.</exception>
    public static ReplayReport Run(ReplaySettings settings, IProgressSink? progress = null, CancellationToken cancel = default)
    {
        var passes = new List<(KernelProfile Profile, bool Batched, int Run)> { (settings.Profiles[0], false, -1) };
        for (var run = 0; run < Math.Max(1, settings.Runs); run++)
        {
            foreach (var profile in settings.Profiles)
            {
                passes.Add((profile, false, run));
                if (settings.Advisor)
                {
                    passes.Add((profile, true, run));
                }
            }
        }

        // Every pass reads the bytes the log had at the start (strace may still be writing it).
        var length = new FileInfo(settings.LogPath).Length;

        // The passes run one after another: each kernel's RAM goes to the next, so that a timed
        // pass does not pay the host's first-touch faults of fresh memory (about half its time on
        // a large trace) while the simulated work is the same.
        using var chunks = new FrameChunkPool();
        ReplayReport? report = null;
        var byName = new Dictionary<string, ProgramReport>(StringComparer.Ordinal);
        for (var i = 0; i < passes.Count; i++)
        {
            var (profile, batched, run) = passes[i];
            var label = run < 0 ? $"judging on {profile}" : $"{profile}{(batched ? " batched" : string.Empty)}{(settings.Runs > 1 ? $", run {run + 1}" : string.Empty)}";
            var result = RunPass(settings, chunks, length, profile, batched, cancel, fraction => progress?.Report((i + fraction) / passes.Count, label));
            if (result is null)
            {
                if (report is null)
                {
                    throw new OperationCanceledException("cancelled before the judging pass completed", cancel);
                }

                report.Partial = true;
                break;
            }

            var (replayer, advisor, parse, seconds, cpu) = result.Value;
            using (replayer)
            {
                report ??= new ReplayReport(settings, parse);
                report.Passes.Add(new PassTiming(profile, batched, run, seconds, cpu, parse.Calls));
                if (run < 0)
                {
                    report.LateEvents = replayer.LateEvents;
                    foreach (var tally in replayer.Programs)
                    {
                        var program = new ProgramReport(tally);
                        byName.Add(tally.Name, program);
                        report.Programs.Add(program);
                    }

                    if (parse.Calls == 0)
                    {
                        // No call to time: the passes per profile would measure nothing.
                        break;
                    }

                    continue;
                }

                foreach (var tally in replayer.Programs)
                {
                    if (!byName.TryGetValue(tally.Name, out var program))
                    {
                        report.ProfileDisagreements.Add($"{tally.Name} appears on {profile}{(batched ? " batched" : string.Empty)} only");
                        continue;
                    }

                    if (!batched && !SameVerdicts(program.Tally, tally))
                    {
                        report.ProfileDisagreements.Add($"{tally.Name} on {profile}: {tally.Matched} matched, {tally.Differed} differed, {tally.UnjudgedTotal} not judged; on {settings.Profiles[0]}: {program.Tally.Matched}, {program.Tally.Differed}, {program.Tally.UnjudgedTotal}");
                    }

                    var costs = program.CostsFor(profile);
                    (batched ? costs.Batched : costs.Original).Add(CostSample.Of(tally));
                    if (batched && program.Advisor is null && advisor!.Statistics.TryGetValue(tally, out var stats))
                    {
                        program.Advisor = stats;
                    }
                }
            }
        }

        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        report!.PeakResidentBytes = peak > 0 ? peak : null;
        return report;
    }

    private static bool SameVerdicts(ProgramTally a, ProgramTally b) =>
        a.Calls == b.Calls && a.Matched == b.Matched && a.Differed == b.Differed && a.UnjudgedTotal == b.UnjudgedTotal;

    /// <summary>One pass; null when cancelled.</summary>
    private static (TraceReplayer Replayer, BatchingAdvisor? Advisor, ParseStatistics Parse, double Seconds, double CpuSeconds)? RunPass(
        ReplaySettings settings, FrameChunkPool chunks, long length, KernelProfile profile, bool batched, CancellationToken cancel, Action<double> progress)
    {
        var start = Stopwatch.GetTimestamp();
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var replayer = new TraceReplayer(settings.OptionsFor(profile, chunks));
        try
        {
            var advisor = batched ? new BatchingAdvisor(replayer, settings.WindowMicros) : null;
            var file = new FileStream(settings.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
            using var parser = new StraceParser(new StraceLineReader(file, byteLimit: length));
            var count = 0;
            while (parser.Read())
            {
                if (advisor is null)
                {
                    replayer.Apply(parser.Current);
                }
                else
                {
                    advisor.Apply(parser.Current);
                }

                if (++count % CheckEvery == 0)
                {
                    if (cancel.IsCancellationRequested)
                    {
                        replayer.Dispose();
                        return null;
                    }

                    progress(length == 0 ? 1 : (double)parser.BytesRead / length);
                }
            }

            advisor?.Finish();
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
            return (replayer, advisor, parser.Statistics, Stopwatch.GetElapsedTime(start).TotalSeconds, cpu);
        }
        catch
        {
            replayer.Dispose();
            throw;
        }
    }
}
