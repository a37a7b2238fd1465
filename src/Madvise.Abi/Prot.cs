namespace Madvise.Abi;

/// <summary>mmap(2)/mprotect(2) protection bits (include/uapi/asm-generic/mman-common.h).</summary>
public static class Prot
{
    /// <summary>No access: any access faults.</summary>
    public const int PROT_NONE = 0x0;
    /// <summary>Pages may be read.</summary>
    public const int PROT_READ = 0x1;
    /// <summary>Pages may be written.</summary>
    public const int PROT_WRITE = 0x2;
    /// <summary>Pages may be executed.</summary>
    public const int PROT_EXEC = 0x4;
    /// <summary>Pages may be used for atomic operations (ignored on x86-64).</summary>
    public const int PROT_SEM = 0x8;
    /// <summary>mprotect only: extend the change down to the start of a grows-down mapping.</summary>
    public const int PROT_GROWSDOWN = 0x01000000;
    /// <summary>mprotect only: extend the change up to the end of a grows-up mapping.</summary>
    public const int PROT_GROWSUP = 0x02000000;
}
