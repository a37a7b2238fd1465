using System.Collections.Concurrent;
using Madvise.Kernel.Mm.Locking;
using Madvise.Kernel.Mm.Reclaim;
using Madvise.Kernel.Mm.Tlb;

namespace Madvise.Kernel.Tests.Shared;

/// <summary>
/// One dedicated OS thread, hence one simulated CPU with its own TLB, that runs the actions
/// it is given one at a time, so that a test can make a second CPU cache a translation and
/// later use it again.
/// </summary>
internal sealed class CpuThread : IDisposable
{
    /// <summary>Work for the thread; completing it ends the thread.</summary>
    private readonly BlockingCollection<Action> _work = [];

    /// <summary>The thread's loop.</summary>
    private readonly Task _loop;

    public CpuThread()
    {
        _loop = TestThreads.Start(() =>
        {
            foreach (var action in _work.GetConsumingEnumerable())
            {
                action();
            }
        });
        Cpu = Run(() => SimCpu.Current);
    }

    /// <summary>The simulated CPU of the thread.</summary>
    public SimCpu Cpu { get; }

    /// <summary>Runs <paramref name="body"/> on the thread and returns its result (exceptions propagate).</summary>
    public T Run<T>(Func<T> body)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(body());
            }
#pragma warning disable CA1031 // The exception is handed to the test thread, which rethrows it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                done.SetException(ex);
            }
        });
        return TestThreads.Join(done.Task, "an action on the CPU thread");
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        TestThreads.Join(_loop, "the CPU thread's exit");
        _work.Dispose();
    }
}
