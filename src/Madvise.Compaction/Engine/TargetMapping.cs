namespace Madvise.Compaction.Engine;

/// <summary>One mapping of the target, as a /proc/PID/maps line describes it.</summary>
/// <param name="Start">First address.</param>
/// <param name="End">First address after the mapping.</param>
/// <param name="Readable">PROT_READ.</param>
/// <param name="Writable">PROT_WRITE.</param>
/// <param name="Executable">PROT_EXEC.</param>
/// <param name="Shared">MAP_SHARED (the <c>s</c> of the permission column).</param>
/// <param name="Inode">The mapped file's inode; 0 for anonymous memory (shared anonymous memory shows its shmem inode).</param>
/// <param name="Path">The file or pseudo-name (<c>[heap]</c>); empty for anonymous memory.</param>
public readonly record struct TargetMapping(ulong Start, ulong End, bool Readable, bool Writable, bool Executable, bool Shared, ulong Inode, string Path)
{
    /// <summary>Bytes mapped.</summary>
    public ulong Length => End - Start;

    /// <summary>PROT_NONE: a reservation or a guard, where no page can be touched.</summary>
    public bool IsReserved => !Readable && !Writable && !Executable;

    /// <summary>Parses a maps permission column (<c>rw-p</c>) into a mapping.</summary>
    public static TargetMapping FromPerms(ulong start, ulong end, string perms, ulong inode, string path)
    {
        ArgumentNullException.ThrowIfNull(perms);
        if (perms.Length < 4)
        {
            throw new FormatException($"Malformed permission column '{perms}'.");
        }

        return new TargetMapping(start, end, perms[0] == 'r', perms[1] == 'w', perms[2] == 'x', perms[3] == 's', inode, path);
    }
}
