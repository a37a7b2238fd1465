using System.Globalization;

namespace Madvise.Scenarios.Host;

/// <summary>The <c>read</c> step: u64 addr, u64 len → string runs (the canonical <c>ab*4096,00*8192</c> form).</summary>
internal sealed class ReadOperation : RangeOperation
{
    /// <summary>Reply: the bytes read, as runs (task <c>self</c> passes the runner's own).</summary>
    public ByteRuns Runs = new();

    /// <inheritdoc/>
    public override long Run(TaskExecutor executor) => executor.Read(Address, Length, Runs.Append);

    /// <inheritdoc/>
    public override void Reply(ref FrameCodec frame)
    {
        var text = frame.IsReading ? "" : Runs.ToString();
        frame.String(ref text);
        if (frame.IsReading)
        {
            AppendRuns(text, Runs);
        }
    }

    /// <summary>Replays the canonical run-length text into <paramref name="into"/>.</summary>
    private static void AppendRuns(string runs, ByteRuns into)
    {
        foreach (var range in runs.AsSpan().Split(','))
        {
            var run = runs.AsSpan(range);
            if (run.IsEmpty)
            {
                continue;
            }

            var star = run.IndexOf('*');
            into.AppendRun(
                byte.Parse(run[..star], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture),
                ulong.Parse(run[(star + 1)..], NumberStyles.None, CultureInfo.InvariantCulture));
        }
    }
}
