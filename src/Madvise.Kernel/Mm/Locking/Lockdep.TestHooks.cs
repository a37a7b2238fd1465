namespace Madvise.Kernel.Mm.Locking;

// Test hooks of the lock-order validator.
public static partial class Lockdep
{
    /// <summary>Set while the current thread breaks the order on purpose (the validator's own tests): the violation is thrown, not kept.</summary>
    [ThreadStatic]
    private static bool t_expected;

    /// <summary>
    /// Runs <paramref name="body"/>, which must break the lock order, and returns the
    /// <see cref="LockOrderException"/> it threw; the violation is not kept for
    /// <see cref="ThrowIfViolated"/>, so tests running at the same time are not blamed for it.
    /// </summary>
    internal static LockOrderException ExpectViolation(Action body)
    {
        t_expected = true;
        try
        {
            body();
        }
        catch (LockOrderException ex)
        {
            return ex;
        }
        finally
        {
            t_expected = false;
        }

        throw new InvalidOperationException("the lock order was expected to be broken, and was not");
    }
}
