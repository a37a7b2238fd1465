using Madvise.Kernel.Mm.Locking;

namespace Madvise.Kernel.Mm.Vmas;

/// <summary>
/// The origin of anonymous pages, for reverse mapping (Linux: <c>struct anon_vma</c>).
/// </summary>
/// <remarks>
/// An anonymous frame records the AnonVma of the VMA it was created in and the virtual page
/// number it was created at. Since the model has no mremap, every process that can map that
/// frame (the creator and its fork descendants) maps it at that same address, so the
/// reverse map is: for each mm in <see cref="Root"/>'s family, look at one PTE.
/// A child's VMA gets its own AnonVma whose Root is the parent's root, as in Linux.
/// <see cref="_familyLock"/> (leaf lock, root only) protects the family list.
/// </remarks>
internal sealed class AnonVma
{
    /// <summary>Address spaces that may map pages of this family. Root only; protected by <see cref="_familyLock"/>.</summary>
    private MmStruct[] _family = [];

    /// <summary>Protects <see cref="_family"/> (root only). Leaf lock (<see cref="LockClass.AnonVmaFamily"/>): taken under the mmap_lock, nothing under it.</summary>
    private readonly KernelLock _familyLock = new(LockClass.AnonVmaFamily);

    public AnonVma(AnonVma? parent, MmStruct mm)
    {
        Root = parent?.Root ?? this;
        Root.Join(mm);
    }

    /// <summary>The oldest ancestor; owns the family list.</summary>
    public AnonVma Root { get; }

    /// <summary>A snapshot of the address spaces that may map pages of this family.</summary>
    public MmStruct[] Family => Volatile.Read(ref Root._family);

    /// <summary>Adds <paramref name="mm"/> to the family (idempotent).</summary>
    public void Join(MmStruct mm)
    {
        var root = Root;
        using (root._familyLock.EnterScope())
        {
            if (Array.IndexOf(root._family, mm) >= 0)
            {
                return;
            }

            var next = new MmStruct[root._family.Length + 1];
            root._family.CopyTo(next, 0);
            next[^1] = mm;
            Volatile.Write(ref root._family, next);
        }
    }

    /// <summary>Removes <paramref name="mm"/> when it is torn down.</summary>
    public void Leave(MmStruct mm)
    {
        var root = Root;
        using (root._familyLock.EnterScope())
        {
            var i = Array.IndexOf(root._family, mm);
            if (i < 0)
            {
                return;
            }

            var next = new MmStruct[root._family.Length - 1];
            Array.Copy(root._family, 0, next, 0, i);
            Array.Copy(root._family, i + 1, next, i, root._family.Length - i - 1);
            Volatile.Write(ref root._family, next);
        }
    }
}
