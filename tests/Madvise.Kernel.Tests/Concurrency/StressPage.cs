using Madvise.Kernel.Mm;
using Madvise.Kernel.Mm.Physical;

namespace Madvise.Kernel.Tests.Concurrency;

/// <summary>
/// A user page that one worker alone writes, with the exact bytes it expects there. Writes are
/// stamps — bytes derived from (writer, sequence, address), never zero — so a byte from an older
/// write, from another page or from another frame is told apart from the last write, and a byte
/// that advice discarded (zero) is told apart from both. Whatever the kernel reports as stored is
/// applied to the expectation, so a write cut short by a protection change stays exact.
/// </summary>
internal sealed class StressPage
{
    /// <summary>Bytes per page.</summary>
    public const int Size = 4096;

    /// <summary>What the page must hold, as far as its owner knows.</summary>
    private readonly byte[] _expected = new byte[Size];

    /// <summary>Creates the expectation for the page at <paramref name="address"/>: never written, all zero.</summary>
    public StressPage(ulong address) => Address = address;

    /// <summary>The page's user address.</summary>
    public ulong Address { get; }

    /// <summary>The expected bytes (read-only view).</summary>
    public ReadOnlySpan<byte> Expected => _expected;

    /// <summary>Fills <paramref name="destination"/> with the stamp of (<paramref name="writer"/>, <paramref name="sequence"/>) for <paramref name="address"/>: non-zero bytes that differ from write to write.</summary>
    public static void Stamp(Span<byte> destination, int writer, long sequence, ulong address)
    {
        var x = unchecked(((ulong)writer << 48) ^ ((ulong)sequence * 0x9E3779B97F4A7C15UL) ^ address);
        for (var i = 0; i < destination.Length; i++)
        {
            // splitmix64 step: cheap, and every byte depends on writer, sequence and position.
            x = unchecked(x + 0x9E3779B97F4A7C15UL);
            var z = x;
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            z ^= z >> 31;
            destination[i] = (byte)((z % 255) + 1);
        }
    }

    /// <summary>
    /// Writes the stamp of (<paramref name="writer"/>, <paramref name="sequence"/>) to
    /// [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of the page
    /// as the task's own stores, and records what was stored.
    /// </summary>
    /// <returns>Bytes stored (less than <paramref name="length"/> when the store faulted).</returns>
    public long Write(MmStruct mm, int writer, long sequence, int offset, int length, Span<byte> scratch)
    {
        var chunk = scratch[..length];
        Stamp(chunk, writer, sequence, Address + (ulong)offset);
        var stored = mm.WriteUser(Address + (ulong)offset, chunk);
        chunk[..(int)stored].CopyTo(_expected.AsSpan(offset));
        return stored;
    }

    /// <summary>Forgets the contents: the page was replaced by a fresh mapping (all zero).</summary>
    public void Reset() => Array.Clear(_expected);

    /// <summary>Records that [offset, offset + length) now holds <paramref name="value"/>.</summary>
    public void Record(int offset, int length, byte value) => _expected.AsSpan(offset, length).Fill(value);

    /// <summary>Reads the page and requires every byte to be exactly what was written last.</summary>
    /// <returns>False when the read faulted (nothing was compared).</returns>
    public bool VerifyExact(MmStruct mm, Span<byte> buffer, int seed)
    {
        var page = buffer[..Size];
        if (mm.ReadUser(Address, page) != Size)
        {
            return false;
        }

        var at = page.CommonPrefixLength(_expected);
        if (at != Size)
        {
            Assert.Fail(Describe(seed, page, at, "must hold exactly the last write"));
        }

        return true;
    }

    /// <summary>
    /// Reads the page and requires every byte to be the last one written there or zero (advice may
    /// have discarded the page, or part of it, since the owner last looked). The expectation then
    /// follows what was read, so the next check is as exact as this one.
    /// </summary>
    /// <returns>Bytes that were expected non-zero and read as zero, or -1 when the read faulted.</returns>
    public int VerifyExpectedOrZero(MmStruct mm, Span<byte> buffer, int seed)
    {
        var page = buffer[..Size];
        if (mm.ReadUser(Address, page) != Size)
        {
            return -1;
        }

        var dropped = 0;
        for (var i = 0; i < Size; i++)
        {
            var actual = page[i];
            if (actual == _expected[i])
            {
                continue;
            }

            if (actual != 0)
            {
                Assert.Fail(Describe(seed, page, i, "must hold the last write or zero"));
            }

            dropped++;
        }

        page.CopyTo(_expected);
        return dropped;
    }

    private string Describe(int seed, ReadOnlySpan<byte> actual, int at, string rule)
    {
        var wrong = 0;
        for (var i = 0; i < Size; i++)
        {
            if (actual[i] != _expected[i])
            {
                wrong++;
            }
        }

        return FormattableString.Invariant(
            $"[seed {seed}] page {Address:x} {rule}: byte {at} is {actual[at]:x2}, expected {_expected[at]:x2} ({wrong} bytes differ)");
    }
}
