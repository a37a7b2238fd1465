using System.Runtime.ExceptionServices;
using Madvise.Host;

namespace Madvise.Scenarios.Host;

/// <summary>
/// The one thread that runs every step of task <c>self</c> (and talks to the agents), pinned
/// to one CPU.
/// </summary>
/// <remarks>
/// Why a thread of its own: capabilities are per thread (<c>dropcap self</c> must govern every
/// later step, and must not leak into the caller's threads), the kernel batches LRU work per
/// CPU (spec rule 12: FREE/PAGEOUT results depend on the CPU that faulted the pages), and the
/// agents' parent-death signal fires when the thread that spawned them exits. Callers on any
/// thread hand work over with <see cref="Invoke{T}"/> and wait for it.
/// </remarks>
internal sealed class StepThread : IDisposable
{
    /// <summary>Serialises callers: one work item is handed over at a time. Taken before anything else; never held by the step thread.</summary>
    private readonly Lock _callLock = new();

    /// <summary>Released by a caller when <see cref="_work"/> is ready, or by <see cref="Dispose"/> to stop.</summary>
    private readonly SemaphoreSlim _ready = new(0);

    /// <summary>Released by the step thread when <see cref="_work"/> has run.</summary>
    private readonly SemaphoreSlim _done = new(0);

    /// <summary>The thread.</summary>
    private readonly Thread _thread;

    /// <summary>Work handed over (protected by <see cref="_callLock"/>); null asks the thread to stop.</summary>
    private Action? _work;

    /// <summary>What the last work item threw, rethrown on the caller's thread.</summary>
    private ExceptionDispatchInfo? _failure;

    /// <summary>Set once <see cref="Dispose"/> ran.</summary>
    private bool _disposed;

    /// <summary>Starts the thread and pins it to the lowest CPU this process may use.</summary>
    public StepThread()
    {
        using var started = new ManualResetEventSlim();
        _thread = new Thread(() =>
        {
            Cpu = HarnessSyscalls.LowestAllowedCpu();
            if (Cpu >= 0 && HarnessSyscalls.PinCurrentThread(Cpu) < 0)
            {
                Cpu = -1;
            }

            started.Set();
            Loop();
        })
        {
            IsBackground = true,
            Name = "madv host step thread",
        };
        _thread.Start();
        started.Wait();
    }

    /// <summary>The CPU the thread is pinned to, or -1 when pinning failed.</summary>
    public int Cpu { get; private set; }

    /// <summary>True when called on the step thread itself.</summary>
    public bool IsCurrent => Environment.CurrentManagedThreadId == _thread.ManagedThreadId;

    /// <summary>Runs <paramref name="work"/> on the step thread and returns its result; exceptions travel back.</summary>
    public T Invoke<T>(Func<T> work)
    {
        if (IsCurrent)
        {
            return work();
        }

        var result = default(T)!;
        lock (_callLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _work = () => result = work();
            _ready.Release();
            _done.Wait();
            var failure = _failure;
            _failure = null;
            failure?.Throw();
        }

        return result;
    }

    /// <summary>Stops the thread once the work in hand is done (its exit fires the agents' parent-death signal).</summary>
    public void Dispose()
    {
        lock (_callLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _work = null;
            _ready.Release();
        }

        if (!IsCurrent)
        {
            _thread.Join();
            _ready.Dispose();
            _done.Dispose();
        }
    }

    private void Loop()
    {
        while (true)
        {
            _ready.Wait();
            var work = _work;
            if (work is null)
            {
                return;
            }

            try
            {
                work();
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
            }

            _done.Release();
        }
    }
}
