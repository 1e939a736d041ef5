using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

public sealed class DockerDaemonUlimitsTests
{
    [Fact]
    public void TranslatableUlimitsBecomeSortedLimitDirectives()
    {
        var ulimits = new Dictionary<string, (long Soft, long Hard)>
        {
            ["nofile"] = (1024, 65536),
            ["rtprio"] = (10, 20),
            ["memlock"] = (-1, -1),
            ["nproc"] = (4096, 8192),
            ["core"] = (0, -1),
            ["cpu"] = (60, 120),
        };

        var (directives, untranslatable) = DockerUlimits.ToSystemdDirectives(ulimits);

        Assert.Equal(["LimitCORE=0:infinity", "LimitMEMLOCK=infinity:infinity", "LimitNOFILE=1024:65536", "LimitNPROC=4096:8192"], directives);
        Assert.Equal(["cpu=60:120", "rtprio=10:20"], untranslatable);
    }

    [Fact]
    public void NoUlimitsGiveNothing()
    {
        var (directives, untranslatable) = DockerUlimits.ToSystemdDirectives(new Dictionary<string, (long Soft, long Hard)>());

        Assert.Empty(directives);
        Assert.Empty(untranslatable);
    }

    [Fact]
    public void UlimitsFromDaemonJsonTranslate()
    {
        var settings = DockerDaemonSettings.Parse("""{ "default-ulimits": { "nofile": { "Name": "nofile", "Hard": 64000, "Soft": 64000 } } }""");

        Assert.Equal(["LimitNOFILE=64000:64000"], DockerUlimits.ToSystemdDirectives(settings.DefaultUlimits).Directives);
    }
}
