namespace Madvise.Kernel.Mm;

/// <summary>Outcome of a page fault (Linux: the <c>VM_FAULT_*</c> bits that matter to the model).</summary>
internal enum FaultResult
{
    /// <summary>The page is mapped as the access needs.</summary>
    Ok,

    /// <summary>Retry: the PTE changed under us (internal; never returned to callers).</summary>
    Retry,

    /// <summary>No VMA, no permission, or a guard marker: SIGSEGV for a user access, -EFAULT for the kernel.</summary>
    SigSegv,

    /// <summary>Beyond the end of a file: SIGBUS.</summary>
    SigBus,

    /// <summary>No memory for a frame.</summary>
    Oom,

    /// <summary>The page is hardware-poisoned.</summary>
    HwPoison,

    /// <summary>The huge (PMD) path cannot serve the fault: go on with 4 KiB pages (VM_FAULT_FALLBACK; internal).</summary>
    Fallback,
}
