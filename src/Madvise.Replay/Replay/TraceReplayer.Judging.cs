using System.Globalization;
using Madvise.Replay.Model;

namespace Madvise.Replay.Replay;

// Comparing a logged result with the simulated kernel's.
public sealed partial class TraceReplayer
{
    /// <summary>
    /// Compares <paramref name="ours"/> with <paramref name="ev"/>'s logged result and counts the
    /// verdict; <paramref name="unjudged"/> forces "not judged" for that reason.
    /// </summary>
    /// <param name="successOnly">Only success versus failure and the errno count (pidfd_open: descriptor numbers differ between the two kernels).</param>
    private void Judge(ReplayProcess p, TraceEvent ev, long ours, Unjudged? unjudged = null, bool successOnly = false, string? note = null)
    {
        var tally = p.Tally;
        if (unjudged is { } reason)
        {
            tally.NotJudged(reason);
            return;
        }

        bool same;
        switch (ev.Result)
        {
            case ResultKind.Value:
                same = successOnly ? ours >= 0 : ours == ev.Value;
                break;
            case ResultKind.Error when ev.Errno == 0:
                tally.NotJudged(Unjudged.UnknownErrno);
                return;
            case ResultKind.Error:
                same = ours == -ev.Errno;
                break;
            default:
                tally.NotJudged(Unjudged.NoResult);
                return;
        }

        if (same)
        {
            tally.Match();
            return;
        }

        if (!tally.ListsMoreDifferences)
        {
            tally.Differ(null);
            return;
        }

        var hex = ev.Syscall is SyscallKind.Mmap or SyscallKind.Brk or SyscallKind.Mremap or SyscallKind.Shmat;
        var logged = ev.Result == ResultKind.Error ? "-1 " + Errno.Name(ev.Errno) : FormatValue(ev.Value, hex);
        tally.Differ(new Difference(ev.FirstLine, ev.Tid, ev.TextString(), logged, FormatResult(ours, hex), note));
    }

    /// <summary>A result as strace spells it: <c>-1 EINVAL</c>, <c>0x7f…</c> or decimal.</summary>
    internal static string FormatResult(long result, bool hex) =>
        result < 0 && result > -4096 ? "-1 " + Errno.Name((int)-result) : FormatValue(result, hex);

    private static string FormatValue(long value, bool hex) =>
        hex && value > 0 ? "0x" + value.ToString("x", CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>True when the logged call succeeded (result 0 or a positive value).</summary>
    private static bool LoggedSuccess(TraceEvent ev) => ev.Result == ResultKind.Value && ev.Value >= 0;

    /// <summary>True when the call has a result to compare.</summary>
    private static bool HasResult(TraceEvent ev) => ev.Result is ResultKind.Value or ResultKind.Error;
}
