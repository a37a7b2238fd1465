namespace Madvise.Kernel.Mm.Locking;

/// <summary>A lock was taken out of the order of <see cref="LockClass"/> (found by <see cref="Lockdep"/>, in test builds).</summary>
public sealed class LockOrderException : Exception
{
    /// <summary>Creates the exception with both acquisition sites in <paramref name="message"/>.</summary>
    public LockOrderException(string message)
        : base(message)
    {
    }
}
