using System.Formats.Tar;
using System.Text;
using CriPS.Engine.Archives;

namespace CriPS.Tests;

/// <summary>
/// The guard in front of the tar reader: what it refuses, before the reader has seen the header that would make
/// it allocate, and what it lets through unchanged. Archives are built here, byte by byte where TarWriter cannot.
/// </summary>
public class TarStructureGuardTests
{
    private static readonly ArchiveLimits Defaults = new();

    [Fact]
    public void AnArchiveTarWriterWritesPassesUnchanged()
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "blobs/"));
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "blobs/" + new string('n', 300)) { DataStream = new MemoryStream(new byte[1000]) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = "blobs" });
        }
        var guard = new TarStructureGuard(new MemoryStream(tar.ToArray()), Defaults);
        var reader = new TarReader(guard);
        var names = new List<string>();
        while (reader.GetNextEntry() is { } entry)
            names.Add(entry.Name);
        Assert.Equal(["blobs/", "blobs/" + new string('n', 300), "link"], names);
        Assert.Equal(3, guard.Entries);
    }

    [Theory]
    [InlineData('x')]
    [InlineData('g')]
    [InlineData('L')]
    [InlineData('K')]
    public void AnExtensionHeaderOver64KiBIsRefusedBeforeTheReaderReadsIt(char type)
    {
        // The header declares 1 GiB but carries nothing: were the size believed, the reader would allocate it.
        var bytes = Header("././@LongLink", type, 1L << 30);
        var e = Assert.Throws<ImageArchiveException>(() => new TarReader(new TarStructureGuard(new MemoryStream(bytes), Defaults)).GetNextEntry());
        Assert.Equal("ContainerdArchiveHeaderTooLarge", e.ErrorId);
        Assert.Equal(CriErrorCategory.LimitsExceeded, e.Category);
    }

    [Fact]
    public void AnEntryLargerThanTheLimitIsRefusedAtItsHeader()
    {
        var bytes = Header("layer.tar", '0', 8L << 30);  // 8 GiB declared: base-256, as GNU tar writes sizes over 8 GiB
        var guard = new TarStructureGuard(new MemoryStream(bytes), new ArchiveLimits { MaximumSize = 1L << 30 });
        var e = Assert.Throws<ImageArchiveException>(() => new TarReader(guard).GetNextEntry());
        Assert.Equal("ContainerdArchiveTooLarge", e.ErrorId);
        Assert.Equal(512, guard.Position);
    }

    [Fact]
    public void MoreEntriesThanTheLimitAreRefused()
    {
        var bytes = Enumerable.Range(0, 4).SelectMany(i => Header($"d{i}/", '5', 0)).ToArray();
        var e = Assert.Throws<ImageArchiveException>(() => Drain(bytes, new ArchiveLimits { MaximumEntryCount = 3 }));
        Assert.Equal("ContainerdArchiveTooManyEntries", e.ErrorId);
        Assert.Equal("d3/", e.Target);
    }

    [Theory]
    [InlineData(512 + 1024 + 100, "inside a tar header")]
    [InlineData(512 + 10, "inside the data of 'a'")]
    [InlineData(512 + 700, "inside the data of 'a'")]  // in the padding after 600 bytes of data
    public void AStreamThatEndsInsideTheStructureIsTruncated(int cut, string where)
    {
        var bytes = Header("a", '0', 600).Concat(new byte[1024]).Concat(Header("b", '0', 0)).ToArray();
        var e = Assert.Throws<ImageArchiveException>(() => Drain(bytes[..cut], Defaults));
        Assert.Equal("ContainerdArchiveTruncated", e.ErrorId);
        Assert.Contains(where, e.Message);
    }

    [Fact]
    public void LessThanOneHeaderIsNotATar() =>
        Assert.Equal("ContainerdArchiveNotTar", Assert.Throws<ImageArchiveException>(() => Drain("not a tar archive\n"u8.ToArray(), Defaults)).ErrorId);

    [Fact]
    public void AStreamThatEndsBetweenEntriesGetsTheEndOfArchiveBlocksTheReaderNeeds()
    {
        var bytes = Header("a", '0', 600).Concat(new byte[1024]).ToArray();
        Assert.Equal(bytes.Length + 1024, Drain(bytes, Defaults));
        var reader = new TarReader(new TarStructureGuard(new MemoryStream(bytes), Defaults));
        Assert.Equal("a", reader.GetNextEntry()!.Name);
        Assert.Null(reader.GetNextEntry());
    }

    [Fact]
    public void AnEmptyInputIsAnEmptyArchive() =>
        Assert.Null(new TarReader(new TarStructureGuard(new MemoryStream(), Defaults)).GetNextEntry());

    [Fact]
    public void APaxSizeIsCheckedAtTheEntrysHeader()
    {
        // The header's own size field says 0; the PAX record before it says 8 GiB, and the reader believes the record.
        var record = "19 size=8589934592\n"u8.ToArray();
        var pax = Header("PaxHeaders/x", 'x', record.Length).Concat(record).Concat(new byte[512 - record.Length]);
        var bytes = pax.Concat(Header("blobs/sha256/aa", '0', 0)).ToArray();
        var e = Assert.Throws<ImageArchiveException>(() => Drain(bytes, new ArchiveLimits { MaximumSize = 1L << 30 }));
        Assert.Equal("ContainerdArchiveTooLarge", e.ErrorId);
        Assert.Equal("blobs/sha256/aa", e.Target);
    }

    [Fact]
    public void AHeaderWithAWrongChecksumIsDamaged()
    {
        var broken = Header("b", '0', 0);
        broken[0] = (byte)'c';
        var e = Assert.Throws<ImageArchiveException>(() => Drain(Header("a", '0', 0).Concat(broken).ToArray(), Defaults));
        Assert.Equal("ContainerdArchiveDamaged", e.ErrorId);
        Assert.Equal("a", e.Target);
    }

    [Fact]
    public void WhatFollowsTheEndOfArchiveIsNotInspected()
    {
        var bytes = new byte[1024].Concat(Encoding.ASCII.GetBytes(new string('?', 512))).ToArray();
        Assert.Equal(bytes.Length, Drain(bytes, Defaults));
    }

    [Fact]
    public void ASizeFieldThatIsNoNumberIsNotATarFirstAndDamagedLater()
    {
        var garbage = Header("a", '0', 0);
        Encoding.ASCII.GetBytes("12x45678901 ").CopyTo(garbage, 124);
        Assert.Equal("ContainerdArchiveNotTar", Assert.Throws<ImageArchiveException>(() => Drain(garbage, Defaults)).ErrorId);
        var later = Header("ok", '0', 0).Concat(garbage).ToArray();
        var e = Assert.Throws<ImageArchiveException>(() => Drain(later, Defaults));
        Assert.Equal("ContainerdArchiveDamaged", e.ErrorId);
        Assert.Equal("ok", e.Target);
    }

    /// <summary>Reads everything through the guard in odd-sized pieces, so headers arrive split across reads.</summary>
    private static long Drain(byte[] bytes, ArchiveLimits limits)
    {
        var guard = new TarStructureGuard(new MemoryStream(bytes), limits);
        var buffer = new byte[37];
        long total = 0;
        int n;
        while ((n = guard.Read(buffer, 0, buffer.Length)) > 0)
            total += n;
        return total;
    }

    /// <summary>A ustar header with a valid checksum; sizes over 8 GiB in base-256.</summary>
    private static byte[] Header(string name, char type, long size)
    {
        var h = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(h, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(h, 100);
        if (size < 8L << 30)
            Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(h, 124);
        else
        {
            h[124] = 0x80;
            for (var i = 0; i < 8; i++)
                h[135 - i] = (byte)(size >> (8 * i));
        }
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(h, 136);
        h[156] = (byte)type;
        Encoding.ASCII.GetBytes("ustar\000").CopyTo(h, 257);
        Encoding.ASCII.GetBytes("        ").CopyTo(h, 148);
        var sum = h.Sum(b => b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
        return h;
    }
}
