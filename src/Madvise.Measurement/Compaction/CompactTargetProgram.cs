using System.Globalization;
using System.Text;
using HdrHistogram;
using Madvise.Compaction.Layout;
using Madvise.Host;

namespace Madvise.Measurement.Compaction;

/// <summary>
/// <c>madv compact-target mem=SIZE vmas=N seed=N [interval=US] [cpu=N]</c>: a process to compact. It maps a
/// generated <see cref="TargetLayout"/> (on top of the .NET runtime's own mappings), touches it,
/// and answers requests, one line each, on standard input: <c>touch</c> (fault everything back),
/// <c>writer-start</c> / <c>writer-stop</c> (a thread of this process that keeps taking its own
/// mmap_lock for writing, as <c>madv contention</c>'s writer, and the histogram of how long each of
/// its calls took), <c>quit</c>. End of input (the parent died) ends it too.
/// </summary>
/// <remarks>Not a user command: the compaction tests and <c>madv compact-bench</c> start it (<see cref="HostTargetProcess"/>), started as <c>madv compact-target</c>.</remarks>
public static class CompactTargetProgram
{
    /// <summary>Exit status for bad arguments (madv's usage status).</summary>
    private const int Usage = 2;

    /// <summary>Runs the target; returns its exit status (0, or 2 for bad arguments).</summary>
    public static int Run(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        ulong mem = 64UL << 20;
        var vmas = 300;
        var seed = 1;
        var interval = TimeSpan.FromMicroseconds(50);
        var cpu = -1;
        foreach (var arg in args)
        {
            var ok = arg switch
            {
                "compact-target" => true,
                _ when arg.StartsWith("mem=", StringComparison.Ordinal) => ByteSize.TryParse(arg[4..], out mem),
                _ when arg.StartsWith("vmas=", StringComparison.Ordinal) => int.TryParse(arg.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out vmas),
                _ when arg.StartsWith("seed=", StringComparison.Ordinal) => int.TryParse(arg.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out seed),
                _ when arg.StartsWith("interval=", StringComparison.Ordinal) && double.TryParse(arg.AsSpan(9), NumberStyles.Float, CultureInfo.InvariantCulture, out var us) && us is >= 0 and <= 1e6
                    => (interval = TimeSpan.FromMicroseconds(us)) >= TimeSpan.Zero,
                _ when arg.StartsWith("cpu=", StringComparison.Ordinal) => int.TryParse(arg.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out cpu),
                _ => false,
            };
            if (!ok)
            {
                error.WriteLine($"madv compact-target: bad argument '{arg}' (expected mem=SIZE vmas=N seed=N interval=US cpu=N)");
                return Usage;
            }
        }

        // Pinned before any thread of its own starts: the writer thread inherits the mask.
        if (cpu >= 0 && Workloads.ThreadAffinity.PinCurrentThread(cpu) is var pinned and < 0)
        {
            error.WriteLine($"madv compact-target: cannot run on CPU {cpu}: {Errno.Format(pinned)}");
            return Usage;
        }

        TargetLayout layout;
        try
        {
            layout = TargetLayout.Generate(mem, vmas, seed);
        }
        catch (ArgumentOutOfRangeException ex)
        {
            error.WriteLine("madv compact-target: " + ex.Message);
            return Usage;
        }

        using var built = HostLayout.Build(layout);
        using var writerThread = new WriterThread();
        using var writer = new HostMmapWriter(WriterKind.Mmap);
        var latency = new LongHistogram(ContentionRow.HighestTrackableNanoseconds, 3);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ready {Environment.ProcessId} {layout.Mappings.Count} {layout.TouchedBytes} {built.LockFailures}"));
        output.Flush();
        string? line;
        while ((line = input.ReadLine()) is not null)
        {
            switch (line.Trim())
            {
                case "touch":
                    built.Touch();
                    output.WriteLine("ok");
                    break;
                case "writer-start":
                    latency.Reset();
                    writerThread.Start(writer, latency, recordAlways: true, interval);
                    output.WriteLine("ok");
                    break;
                case "writer-stop":
                    var failure = writerThread.Stop();
                    output.WriteLine(failure is null ? EncodeHistogram(latency) : "error " + failure);
                    break;
                case "quit":
                    return 0;
                default:
                    output.WriteLine($"error unknown request '{line}'");
                    break;
            }

            output.Flush();
        }

        return 0;
    }

    /// <summary><c>writer V:C V:C ...</c>: the histogram's recorded values and their counts.</summary>
    public static string EncodeHistogram(HistogramBase histogram)
    {
        var text = new StringBuilder("writer");
        foreach (var v in histogram.RecordedValues())
        {
            text.Append(CultureInfo.InvariantCulture, $" {v.ValueIteratedTo}:{v.CountAtValueIteratedTo}");
        }

        return text.ToString();
    }

    /// <summary>Parses what <see cref="EncodeHistogram"/> wrote; false when <paramref name="line"/> is not such a line.</summary>
    public static bool TryDecodeHistogram(string line, LongHistogram into)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0 || fields[0] != "writer")
        {
            return false;
        }

        foreach (var field in fields.AsSpan(1))
        {
            var colon = field.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0
                || !long.TryParse(field.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                || !long.TryParse(field.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                return false;
            }

            into.RecordValueWithCount(Math.Min(value, into.HighestTrackableValue), count);
        }

        return true;
    }
}
