namespace Madvise.Abi;

/// <summary>mmap(2)/mprotect(2) protection bits (include/uapi/asm-generic/mman-common.h).</summary>
public static class Prot
{
    public const int PROT_NONE = 0x0;
    public const int PROT_READ = 0x1;
    public const int PROT_WRITE = 0x2;
    public const int PROT_EXEC = 0x4;
    public const int PROT_SEM = 0x8;
    public const int PROT_GROWSDOWN = 0x01000000;
    public const int PROT_GROWSUP = 0x02000000;
}
