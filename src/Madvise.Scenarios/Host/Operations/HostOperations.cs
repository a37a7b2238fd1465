using System.Collections.Frozen;

namespace Madvise.Scenarios.Host;

/// <summary>
/// The operations of the agent protocol (<see cref="AgentProtocol"/>): an operation's number on
/// the wire is its place in this list (from 1; 0 is <see cref="Exit"/>), so this one list drives
/// both the encoding on the target's side and the decoding in the agent.
/// </summary>
internal static class HostOperations
{
    /// <summary>The <c>exit</c> request: no fields, and the agent exits without replying.</summary>
    public const byte Exit = 0;

    /// <summary>Every operation, in wire-number order from 1.</summary>
    private static readonly (Type Type, Func<HostOperation> Create)[] Table =
    [
        Entry<MmapOperation>(),
        Entry<MunmapOperation>(),
        Entry<MprotectOperation>(),
        Entry<MlockOperation>(),
        Entry<MunlockOperation>(),
        Entry<MadviseOperation>(),
        Entry<ProcessMadviseOperation>(),
        Entry<CreateFileOperation>(),
        Entry<OpenPidfdOperation>(),
        Entry<WriteOperation>(),
        Entry<ReadOperation>(),
        Entry<MincoreOperation>(),
        Entry<VmasOperation>(),
        Entry<SetUidOperation>(),
        Entry<DropCapabilityOperation>(),
        Entry<GetDescriptorOperation>(),
        Entry<ForkOperation>(),
        Entry<SmapsOperation>(),
    ];

    /// <summary>Operation type → wire number.</summary>
    private static readonly FrozenDictionary<Type, byte> Numbers =
        Table.Select((entry, i) => KeyValuePair.Create(entry.Type, (byte)(i + 1))).ToFrozenDictionary();

    /// <summary>The wire number of <paramref name="operation"/>.</summary>
    public static byte NumberOf(HostOperation operation) => Numbers[operation.GetType()];

    /// <summary>A new, empty operation for wire number <paramref name="number"/>, to read its request into.</summary>
    /// <exception cref="InvalidDataException">No operation has that number.</exception>
    public static HostOperation Create(byte number) =>
        number >= 1 && number <= Table.Length ? Table[number - 1].Create() : throw new InvalidDataException($"Unknown agent request {number}.");

    private static (Type, Func<HostOperation>) Entry<T>()
        where T : HostOperation, new() => (typeof(T), static () => new T());
}
