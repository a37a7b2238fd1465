namespace Madvise.Kernel;

/// <summary>/sys/kernel/mm/transparent_hugepage/enabled.</summary>
public enum TransparentHugepageMode
{
    Always,
    Madvise,
    Never,
}
