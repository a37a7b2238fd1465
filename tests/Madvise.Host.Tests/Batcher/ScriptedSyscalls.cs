using Madvise.Abi;

namespace Madvise.Host.Tests.Batcher;

/// <summary>
/// The batcher's system calls, recorded and forwarded to the real kernel, with answers a test
/// can script in front of them: an errno instead of the call, or a process_madvise that really
/// advises only the first ranges of its vector and reports their bytes (partial progress).
/// </summary>
internal sealed class ScriptedSyscalls : IAdviceSyscalls
{
    /// <summary>Answers for the next process_madvise calls, in order; the real call once it is empty.</summary>
    public Queue<Scripted> ProcessMadviseScript { get; } = new();

    /// <summary>Errnos for the next madvise calls (0 = make the real call); the real call once it is empty.</summary>
    public Queue<int> MadviseScript { get; } = new();

    /// <summary>When set, every process_madvise answers this errno without reaching the kernel.</summary>
    public int ProcessMadviseAlwaysErrno { get; set; }

    /// <summary>Each process_madvise vector as submitted, and what the call returned.</summary>
    public List<(IoVec[] Vector, long Result)> ProcessMadviseCalls { get; } = [];

    /// <summary>Each madvise range as submitted, and what the call returned.</summary>
    public List<(IoVec Range, long Result)> MadviseCalls { get; } = [];

    /// <summary>Both kinds of call.</summary>
    public int Calls => ProcessMadviseCalls.Count + MadviseCalls.Count;

    /// <inheritdoc/>
    public long ProcessMadvise(int pidfd, ReadOnlySpan<IoVec> vector, MemoryAdvice advice)
    {
        long r;
        if (ProcessMadviseAlwaysErrno != 0)
        {
            r = -ProcessMadviseAlwaysErrno;
        }
        else if (ProcessMadviseScript.TryDequeue(out var answer))
        {
            r = answer.Errno != 0
                ? -answer.Errno
                : HostSyscalls.ProcessMadvise(pidfd, vector[..Math.Min(answer.Complete, vector.Length)], advice, 0);
        }
        else
        {
            r = HostSyscalls.ProcessMadvise(pidfd, vector, advice, 0);
        }

        ProcessMadviseCalls.Add((vector.ToArray(), r));
        return r;
    }

    /// <inheritdoc/>
    public long Madvise(ulong address, ulong length, MemoryAdvice advice)
    {
        var errno = MadviseScript.TryDequeue(out var e) ? e : 0;
        var r = errno != 0 ? -errno : HostSyscalls.Madvise(address, length, advice);
        MadviseCalls.Add((new IoVec(address, length), r));
        return r;
    }

    /// <summary>All ranges advised successfully so far, in call order (the completed prefix of each vector).</summary>
    public List<IoVec> Completed()
    {
        var done = new List<IoVec>();
        foreach (var (vector, result) in ProcessMadviseCalls)
        {
            var left = result;
            foreach (var range in vector)
            {
                if (left < (long)range.Len)
                {
                    break;
                }

                left -= (long)range.Len;
                done.Add(range);
            }
        }

        foreach (var (range, result) in MadviseCalls)
        {
            if (result >= 0)
            {
                done.Add(range);
            }
        }

        return done;
    }
}
