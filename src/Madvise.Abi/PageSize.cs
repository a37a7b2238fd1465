namespace Madvise.Abi;

/// <summary>Page geometry and the user address-space limit of x86-64 with 4-level paging.</summary>
public static class PageSize
{
    /// <summary>log2 of the page size.</summary>
    public const int PAGE_SHIFT = 12;
    /// <summary>Bytes in a base page (4 KiB).</summary>
    public const ulong PAGE_SIZE = 1UL << PAGE_SHIFT;
    /// <summary>Clears the offset-in-page bits of an address.</summary>
    public const ulong PAGE_MASK = ~(PAGE_SIZE - 1);

    /// <summary>TASK_SIZE_MAX with 4-level paging: the first address user space cannot map.</summary>
    public const ulong TASK_SIZE = 0x0000_7FFF_FFFF_F000;

    /// <summary>
    /// x86-64 access_ok(): [addr, addr+size) lies at or below USER_PTR_MAX (= TASK_SIZE_MAX with
    /// 4-level paging) without wrapping.
    /// </summary>
    public static bool AccessOk(ulong addr, ulong size)
    {
        var sum = unchecked(addr + size);
        return sum <= TASK_SIZE && sum >= addr;
    }

    /// <summary>Rounds up to a page boundary; wraps to 0 within a page of 2^64, as PAGE_ALIGN does.</summary>
    public static ulong PageAlign(ulong x) => unchecked(x + PAGE_SIZE - 1) & PAGE_MASK;

    /// <summary>True when <paramref name="x"/> is a multiple of the page size.</summary>
    public static bool IsAligned(ulong x) => (x & (PAGE_SIZE - 1)) == 0;
}
