namespace Madvise.Kernel.Tests.Shared;

/// <summary>
/// Dedicated threads for tests that block, and waiting with a hang guard. The guard is generous and
/// only turns a hang into a failure; no test asserts how long anything took.
/// </summary>
internal static class TestThreads
{
    /// <summary>
    /// How long a test waits for something that must happen before declaring a hang: 30 s, and
    /// proportionally longer for long runs (<see cref="StressFactor"/> above 10), whose quotas
    /// grow with the factor while two cores stay two cores.
    /// </summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30 * Math.Max(1, StressFactor / 10));

    /// <summary>Runs <paramref name="body"/> on its own thread (not the pool: it may block for long).</summary>
    public static Task<T> Start<T>(Func<T> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Runs <paramref name="body"/> on its own thread.</summary>
    public static Task Start(Action body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Waits until <paramref name="condition"/> holds; fails the test naming <paramref name="what"/> on a hang.</summary>
    public static void WaitUntil(Func<bool> condition, string what)
    {
        if (!SpinWait.SpinUntil(condition, HangGuard))
        {
            Assert.Fail($"hang guard: {what} did not happen within {HangGuard.TotalSeconds} s");
        }
    }

    /// <summary>Waits for a task to finish; fails the test naming <paramref name="what"/> on a hang.</summary>
    public static T Join<T>(Task<T> task, string what)
    {
        if (!task.Wait(HangGuard))
        {
            Assert.Fail($"hang guard: {what} did not finish within {HangGuard.TotalSeconds} s");
        }

        return task.Result;
    }

    /// <summary>Waits for a task to finish; fails the test naming <paramref name="what"/> on a hang.</summary>
    public static void Join(Task task, string what)
    {
        if (!task.Wait(HangGuard))
        {
            Assert.Fail($"hang guard: {what} did not finish within {HangGuard.TotalSeconds} s");
        }
    }

    /// <summary>
    /// Stress multiplier: 1 by default (a quick run), larger when MADV_STRESS is set (1 means 50,
    /// a number means that factor).
    /// </summary>
    public static int StressFactor
    {
        get
        {
            string? v = Environment.GetEnvironmentVariable("MADV_STRESS");
            if (string.IsNullOrEmpty(v) || v == "0")
            {
                return 1;
            }

            return int.TryParse(v, out int n) && n > 1 ? n : 50;
        }
    }
}
