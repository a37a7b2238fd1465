namespace Madvise.Kernel.Mm.PageTables;

/// <summary>
/// The descriptor of a page-middle-directory table (Linux: a PMD page's <c>struct ptdesc</c>):
/// the frame's 512 entries are PMD entries (<see cref="PageTable"/>), and this object remembers,
/// for each entry that is a huge <see cref="Pmd"/>, the PTE table deposited under it (Linux:
/// <c>pmd_huge_pte</c>, the list pgtable_trans_huge_deposit() fills). A huge entry has no room
/// for a second pfn, so the walkers that must reach the 2 MiB's lock (<see cref="PteTable.Ptl"/>)
/// through a huge entry look the table up here.
/// </summary>
/// <remarks>
/// An entry is written by <see cref="PteTable.SetHuge"/> under that table's lock before the huge
/// entry is stored, so a walker that reads the huge entry finds its table; it is cleared when the
/// table's frame is freed. An entry read while the PMD entry is not huge is meaningless.
/// </remarks>
internal sealed class PmdTable
{
    /// <summary>The PTE table deposited under each huge entry, by PMD index.</summary>
    private readonly PteTable?[] _deposited = new PteTable?[PteTable.EntryCount];

    /// <summary>The table deposited under the huge entry that maps <paramref name="addr"/>.</summary>
    public PteTable? Deposited(ulong addr) => Volatile.Read(ref _deposited[Index(addr)]);

    /// <summary>Records <paramref name="table"/> as the table behind the PMD entry of <paramref name="addr"/> (pgtable_trans_huge_deposit()).</summary>
    public void Deposit(ulong addr, PteTable table) => Volatile.Write(ref _deposited[Index(addr)], table);

    /// <summary>Forgets the table of <paramref name="addr"/>'s entry: its frame is being freed.</summary>
    public void Withdraw(ulong addr) => Volatile.Write(ref _deposited[Index(addr)], null);

    private static int Index(ulong addr) => (int)((addr >> 21) & (PteTable.EntryCount - 1));
}
