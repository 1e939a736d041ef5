using CriPS.Engine;

namespace CriPS.Tests;

public class SmallFileTests
{
    [Fact]
    public void AFileUpToTheLimitIsReadWholeWithoutItsByteOrderMark()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. "runtime-endpoint: x\n"u8.ToArray(), .. new byte[5000].Select(_ => (byte)'#')]);
            var text = SmallFile.ReadAllText(path, limit: 5023);
            Assert.StartsWith("runtime-endpoint: x\n#", text);
            Assert.Equal(5020, text.Length);
            Assert.Throws<IOException>(() => SmallFile.ReadAllText(path, limit: 5022));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AnEndlessFileIsRefusedAtTheLimit() =>
        // /dev/zero reports no length and never ends: File.ReadAllText would read until memory runs out.
        Assert.Contains("larger than 65536 bytes", Assert.Throws<IOException>(() => SmallFile.ReadAllText("/dev/zero", limit: 65536)).Message);
}
