using CsCheck;
using Madvise.Abi;
using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Physical;
using Madvise.Kernel.Mm.Vmas;
using Madvise.Kernel.Syscalls;
using Madvise.Kernel.Tasks;
using Madvise.Kernel.Tests.Shared;

namespace Madvise.Kernel.Tests.Properties;

/// <summary>
/// Random sequences of mmap, munmap, mprotect, mlock, munlock, stores, loads, madvise, fork,
/// exit and reclaim, on a window of a few pages in a few processes, run on the simulated
/// kernel (with a random profile) and on <see cref="PageMapModel"/>. After every step: each
/// call's result equals the model's; every live address space passes its invariant check;
/// every frame's counts match the page tables (<see cref="FrameAudit"/>); the VMAs cover
/// exactly the model's mapped pages with its protections and flags; every page holds the
/// model's bytes (read from the page tables and page caches, with no fault); and where the
/// step mapped a range or changed its flags, no private anonymous VMA at its edges is left
/// apart from a neighbour Linux would merge it with. At the end every task exits and no frame
/// may stay in use. CsCheck shrinks a failure and reports its seed (the message also lists
/// the steps up to the failing one); MADV_STRESS runs many more sequences.
/// </summary>
public sealed class AddressSpaceModelTests
{
    /// <summary>Pages in the window: small, so that ranges overlap, split and merge often.</summary>
    private const int Pages = 16;

    /// <summary>Most processes alive at once.</summary>
    private const int MaxTasks = 3;

    /// <summary>Bytes per page.</summary>
    private const int PageBytes = 4096;

    /// <summary>One step, weighted so that mappings are made and written often and torn down now and then.</summary>
    private static readonly Gen<ModelOp> GenOp = Gen.Frequency(
        (8, Range(ModelOpKind.Mmap, 9)),
        (3, Range(ModelOpKind.Munmap, 1)),
        (5, Range(ModelOpKind.Mprotect, 3)),
        (2, Range(ModelOpKind.Mlock, 1)),
        (2, Range(ModelOpKind.Munlock, 1)),
        (8, Range(ModelOpKind.Write, 255).Select(op => op with { Arg = op.Arg + 1 })),
        (3, Range(ModelOpKind.Read, 1)),
        (6, Range(ModelOpKind.Madvise, ModelOp.Behaviors.Length)),
        (2, Gen.Int[0, MaxTasks - 1].Select(t => new ModelOp(ModelOpKind.Fork, t, 0, 0, 0))),
        (1, Gen.Int[0, MaxTasks - 1].Select(t => new ModelOp(ModelOpKind.Exit, t, 0, 0, 0))),
        (1, Gen.Const(new ModelOp(ModelOpKind.Reclaim, 0, 0, 0, 0))));

    /// <summary>A sequence, the kernel profile it runs on, and whether the kernel has swap (then reclaim swaps anonymous pages out).</summary>
    private static readonly Gen<(KernelProfile Profile, bool Swap, ModelOp[] Ops)> GenSequence =
        Gen.Select(Gen.Enum<KernelProfile>(), Gen.Bool, GenOp.Array[1, 60]);

    [Fact]
    public void KernelMatchesThePageMapModel() =>
        GenSequence.Sample(s => Run(s.Profile, s.Swap, s.Ops), iter: 150 * TestThreads.StressFactor, threads: 1);

    /// <summary>A step on a range of 1..6 pages at a page of the window, with an argument in [0, args).</summary>
    private static Gen<ModelOp> Range(ModelOpKind kind, int args) =>
        Gen.Select(Gen.Int[0, MaxTasks - 1], Gen.Int[0, Pages - 1], Gen.Int[1, 6], Gen.Int[0, args - 1],
            (t, p, n, a) => new ModelOp(kind, t, p, Math.Min(n, Pages - p), a));

    /// <summary>Runs one sequence, comparing kernel and model after every step.</summary>
    private static void Run(KernelProfile profile, bool swap, ModelOp[] ops)
    {
        using var b = new MmBuilder(KernelConfig.Default with { Profile = profile, SwapBytes = swap ? 1UL << 20 : 0 });
        var model = new PageMapModel(Pages);
        var tasks = new List<TaskStruct> { b.Task };
        for (var i = 0; i < ops.Length; i++)
        {
            var op = ops[i];
            try
            {
                var before = new Dictionary<TaskStruct, VmFlags?[]>();
                foreach (var task in tasks)
                {
                    before[task] = PageFlags(task.Mm!);
                }

                Step(b, model, tasks, op);
                Check(b, model, tasks, op, before);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new InvalidOperationException(
                    $"step {i} ({op}) on {profile}{(swap ? " with swap" : string.Empty)}: {ex.Message}\n  steps: {string.Join("; ", ops[..(i + 1)])}", ex);
            }
        }

        foreach (var task in tasks)
        {
            task.Exit();
        }

        // Frames waiting in a CPU's folio batch are still referenced until a drain.
        b.Kernel.LruBatches.DrainAll();
        Assert.Equal(0, b.Kernel.Memory.FramesInUse);
        Assert.Equal(0, b.Kernel.Memory.CountFramesInUseSlow());
        Assert.Equal(0, b.Kernel.Swap?.UsedSlots ?? 0);
    }

    private static void Step(MmBuilder b, PageMapModel model, List<TaskStruct> tasks, ModelOp op)
    {
        var t = op.Task % tasks.Count;
        var task = tasks[t];
        var (page, pages) = (op.Page, op.Pages);
        switch (op.Kind)
        {
            case ModelOpKind.Mmap:
            {
                var prot = PageMapModel.Prots[op.Arg % 3];
                var type = op.Arg / 3;
                var flags = (type == 2 ? MapFlags.MAP_SHARED : MapFlags.MAP_PRIVATE) | (type == 1 ? MapFlags.MAP_NORESERVE : 0)
                    | MapFlags.MAP_ANONYMOUS | MapFlags.MAP_FIXED;
                var r = Sys.Mmap(task, MmBuilder.Addr(page), MmBuilder.Bytes(pages), (ulong)prot, (ulong)flags, -1, 0);
                MmBuilder.Expect((long)MmBuilder.Addr(page), r, "mmap");
                model.Mmap(t, page, pages, prot, shared: type == 2, noReserve: type == 1);
                break;
            }

            case ModelOpKind.Munmap:
                MmBuilder.Expect(0, Sys.Munmap(task, MmBuilder.Addr(page), MmBuilder.Bytes(pages)), "munmap");
                model.Munmap(t, page, pages);
                break;
            case ModelOpKind.Mprotect:
            {
                var prot = PageMapModel.Prots[op.Arg % 3];
                var r = Sys.Mprotect(task, MmBuilder.Addr(page), MmBuilder.Bytes(pages), (ulong)prot);
                MmBuilder.Expect(model.Mprotect(t, page, pages, prot), r, "mprotect");
                break;
            }

            case ModelOpKind.Mlock:
                MmBuilder.Expect(model.Mlock(t, page, pages), Sys.Mlock(task, MmBuilder.Addr(page), MmBuilder.Bytes(pages)), "mlock");
                break;
            case ModelOpKind.Munlock:
                MmBuilder.Expect(model.Munlock(t, page, pages), Sys.Munlock(task, MmBuilder.Addr(page), MmBuilder.Bytes(pages)), "munlock");
                break;
            case ModelOpKind.Write:
            {
                var stored = task.Mm!.FillUser(MmBuilder.Addr(page), MmBuilder.Bytes(pages), (byte)op.Arg);
                MmBuilder.Expect(model.Write(t, page, pages, (byte)op.Arg), stored, "store");
                break;
            }

            case ModelOpKind.Read:
            {
                var buffer = new byte[pages * PageBytes];
                var loaded = task.Mm!.ReadUser(MmBuilder.Addr(page), buffer);
                var readable = model.Readable(t, page, pages);
                MmBuilder.Expect((long)readable * PageBytes, loaded, "load");
                for (var i = 0; i < readable; i++)
                {
                    var data = buffer.AsSpan(i * PageBytes, PageBytes);
                    var seen = MmBuilder.Uniform(data) ?? throw new InvalidOperationException($"page {page + i} of t{t} holds mixed bytes");
                    if (!model.Allows(t, page + i, seen))
                    {
                        throw new InvalidOperationException($"page {page + i} of t{t} loaded {seen:x2}; the model holds {model.Value(ref model.Tasks[t][page + i]):x2}");
                    }

                    model.Observe(t, page + i, seen);
                }

                break;
            }

            case ModelOpKind.Madvise:
            {
                var behavior = ModelOp.Behaviors[op.Arg];
                var r = Sys.Madvise(task, MmBuilder.Addr(page), MmBuilder.Bytes(pages), behavior);
                MmBuilder.Expect(model.Madvise(t, page, pages, behavior), r, $"madvise {MemoryAdviceNames.Name(behavior)}");
                break;
            }

            case ModelOpKind.Fork when tasks.Count < MaxTasks:
                tasks.Add(b.Fork(task));
                model.Fork(t);
                break;
            case ModelOpKind.Exit when tasks.Count > 1:
                task.Exit();
                tasks.RemoveAt(t);
                model.Exit(t);
                break;
            case ModelOpKind.Reclaim:
                b.Kernel.Reclaim();
                break;
        }
    }

    /// <summary>Compares every live address space with the model.</summary>
    /// <param name="before">Each task's per-page VMA flags before the step (a task forked by the step has none).</param>
    private static void Check(MmBuilder b, PageMapModel model, List<TaskStruct> tasks, ModelOp op, Dictionary<TaskStruct, VmFlags?[]> before)
    {
        var mms = new List<MmStruct>(tasks.Count);
        for (var t = 0; t < tasks.Count; t++)
        {
            var mm = tasks[t].Mm!;
            mms.Add(mm);
            mm.AssertInvariants();
            CheckVmas(mm, model.Tasks[t], t);
            CheckContents(b.Kernel, mm, model, t);

            var changed = new bool[Pages];
            if (before.TryGetValue(tasks[t], out var old))
            {
                var now = PageFlags(mm);
                for (var i = 0; i < Pages; i++)
                {
                    changed[i] = now[i] != old[i];
                }

                if (op.Kind == ModelOpKind.Mmap && t == op.Task % before.Count)
                {
                    Array.Fill(changed, true, op.Page, op.Pages);
                }
            }

            CheckMerged(mm, t, changed);
        }

        FrameAudit.Assert(b.Kernel, mms);
    }

    /// <summary>The VMAs cover exactly the mapped pages, with their protection and flags.</summary>
    private static void CheckVmas(MmStruct mm, ModelPage[] pages, int t)
    {
        var covered = new VmFlags?[Pages];
        foreach (var (start, end, flags) in mm.VmaList())
        {
            if (start < MmBuilder.Addr(0) || end > MmBuilder.Addr(Pages))
            {
                throw new InvalidOperationException($"t{t} has a VMA outside the window: {start:x}-{end:x}");
            }

            for (var a = start; a < end; a += PageBytes)
            {
                covered[MmBuilder.PageOf(a)] = flags;
            }
        }

        for (var i = 0; i < Pages; i++)
        {
            var p = pages[i];
            if (covered[i] is not { } f)
            {
                if (p.Mapped)
                {
                    throw new InvalidOperationException($"page {i} of t{t} is mapped in the model but has no VMA");
                }

                continue;
            }

            if (!p.Mapped)
            {
                throw new InvalidOperationException($"page {i} of t{t} has a VMA ({f.Perms()}) but is not mapped in the model");
            }

            var expected = $"{ProtText(p.Prot)}{(p.Shared ? 's' : 'p')} locked={p.Locked} dontfork={p.DontFork} wipe={p.WipeOnFork} noreserve={p.NoReserve}";
            var actual = $"{f.Perms()} locked={f.HasFlag(VmFlags.VM_LOCKED)} dontfork={f.HasFlag(VmFlags.VM_DONTCOPY)} wipe={f.HasFlag(VmFlags.VM_WIPEONFORK)} noreserve={f.HasFlag(VmFlags.VM_NORESERVE)}";
            if (expected != actual)
            {
                throw new InvalidOperationException($"page {i} of t{t}: VMA says {actual}, the model {expected}");
            }
        }
    }

    private static string ProtText(int prot) =>
        ((prot & Prot.PROT_READ) != 0 ? "r" : "-") + ((prot & Prot.PROT_WRITE) != 0 ? "w" : "-") + "-";

    /// <summary>
    /// Every mapped page holds the model's bytes, read without faulting: a present PTE's frame,
    /// a swap entry's slot (copied into a scratch frame), else the shared object's page cache
    /// page or, swapped out, its slot, else zeros.
    /// </summary>
    private static void CheckContents(SimulatedKernel kernel, MmStruct mm, PageMapModel model, int t)
    {
        for (var i = 0; i < Pages; i++)
        {
            if (!model.Tasks[t][i].Mapped)
            {
                continue;
            }

            var addr = MmBuilder.Addr(i);
            var pte = mm.PageTable.ReadPte(addr);
            byte? seen;
            if (pte.IsPresent)
            {
                seen = MmBuilder.Uniform(kernel.Memory.Page(pte.Pfn));
            }
            else if (pte.IsSwap && kernel.Swap is { } swapArea)
            {
                var scratch = kernel.Memory.Allocate(zero: false);
                swapArea.ReadIn(pte.SwapSlot, scratch);
                seen = MmBuilder.Uniform(kernel.Memory.Page(scratch));
                kernel.Memory.Put(scratch);
            }
            else if (!pte.IsNone)
            {
                throw new InvalidOperationException($"page {i} of t{t} has an unexpected PTE {pte}");
            }
            else
            {
                var vma = mm.Vmas.FindContaining(addr)!;
                seen = 0;
                if (vma.File is { } file)
                {
                    using (file.Inode.Cache.Lock.EnterScope())
                    {
                        // The page cache page, or a swapped-out shmem page's slot.
                        var index = vma.PageIndex(addr);
                        if (file.Inode.Cache.TryGetLocked(index, out var pfn))
                        {
                            seen = MmBuilder.Uniform(kernel.Memory.Page(pfn));
                        }
                        else if (file.Inode.SwapSlotLocked(index) is var slot and >= 0)
                        {
                            var scratch = kernel.Memory.Allocate(zero: false);
                            kernel.Swap!.ReadIn(slot, scratch);
                            seen = MmBuilder.Uniform(kernel.Memory.Page(scratch));
                            kernel.Memory.Put(scratch);
                        }
                    }
                }
            }

            if (seen is not { } value || !model.Allows(t, i, value))
            {
                throw new InvalidOperationException(
                    $"page {i} of t{t} holds {(seen is { } s ? s.ToString("x2", System.Globalization.CultureInfo.InvariantCulture) : "mixed bytes")}; " +
                    $"the model holds {model.Value(ref model.Tasks[t][i]):x2}{(model.Tasks[t][i].MaybeZero ? " or 00" : string.Empty)}");
            }
        }
    }

    /// <summary>
    /// No two neighbouring private anonymous VMAs with equal flags (apart from the bits merging
    /// ignores) and the same anonymous origin — both without one, or the very same — stay apart
    /// at a boundary next to a page the step just mapped (mmap) or whose flags it changed
    /// (mprotect, mlock, munlock, madvise): Linux tries to merge exactly such a range with the
    /// VMAs on either side of it.
    /// </summary>
    /// <remarks>
    /// Steps that change no flags are not merge points, in Linux as here: munmap only cuts,
    /// and fork copies VMAs as they are even where the copies became mergeable (VM_LOCKED is
    /// dropped; a VM_WIPEONFORK copy gets no anon_vma).
    /// </remarks>
    private static void CheckMerged(MmStruct mm, int t, bool[] changed)
    {
        const VmFlags ignored = VmFlags.VM_SOFTDIRTY | VmFlags.VM_GUARD_INSTALLED;
        Vma? prev = null;
        foreach (var vma in mm.Vmas)
        {
            if (prev is not null && prev.End == vma.Start && prev.IsAnonymous && vma.IsAnonymous
                && ((prev.Flags ^ vma.Flags) & ~ignored) == 0 && ReferenceEquals(prev.AnonVma, vma.AnonVma)
                && (changed[MmBuilder.PageOf(prev.End) - 1] || changed[MmBuilder.PageOf(vma.Start)]))
            {
                throw new InvalidOperationException($"t{t}: VMAs {prev} and {vma} have equal flags and origin but were not merged");
            }

            prev = vma;
        }
    }

    /// <summary>Each window page's VMA flags (null: no VMA).</summary>
    private static VmFlags?[] PageFlags(MmStruct mm)
    {
        var flags = new VmFlags?[Pages];
        foreach (var (start, end, f) in mm.VmaList())
        {
            for (var a = start; a < end; a += PageBytes)
            {
                flags[MmBuilder.PageOf(a)] = f;
            }
        }

        return flags;
    }
}
