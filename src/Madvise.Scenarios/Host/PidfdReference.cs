namespace Madvise.Scenarios.Host;

/// <summary>A <c>pmadvise</c> PIDFD argument as the executing task sees it.</summary>
/// <param name="Kind">Which form.</param>
/// <param name="Value">The raw number, or the descriptor id.</param>
internal readonly record struct PidfdReference(PidfdKind Kind, long Value)
{
    /// <summary>
    /// The reference for <paramref name="pidfd"/>; a named pidfd is first made available to the
    /// task by <paramref name="makeAvailable"/> (which passes it a duplicate if it lacks one).
    /// </summary>
    public static PidfdReference From(PidfdArgument pidfd, Action<HostDescriptor> makeAvailable)
    {
        switch (pidfd)
        {
            case PidfdArgument.Self:
                return new PidfdReference(PidfdKind.Self, 0);
            case PidfdArgument.Raw raw:
                return new PidfdReference(PidfdKind.Raw, raw.Fd);
            case PidfdArgument.Named named:
                var descriptor = HostScenarioTarget.Cast(named.Pidfd);
                makeAvailable(descriptor);
                return new PidfdReference(PidfdKind.Descriptor, descriptor.Id);
            default:
                throw new ArgumentException($"Unknown pidfd argument {pidfd}.", nameof(pidfd));
        }
    }
}
