using CriPS.Engine.Connection;

namespace CriPS.Tests;

/// <summary>Tests that set process environment variables: they must not run beside tests that read them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Process environment";
}

[Collection(EnvironmentCollection.Name)]
public sealed class CriChannelReceiveLimitTests : IDisposable
{
    private const string Variable = "CRIPS_MAX_RECEIVE_BYTES";
    private readonly string? _saved = Environment.GetEnvironmentVariable(Variable);

    public void Dispose() => Environment.SetEnvironmentVariable(Variable, _saved);

    [Fact]
    public void VariableNameIsTheDocumentedOne()
    {
        Assert.Equal(Variable, CriChannel.MaxReceiveVariable);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void DefaultIs16MiB(string? value)
    {
        Environment.SetEnvironmentVariable(Variable, value);

        Assert.Equal(16 * 1024 * 1024, CriChannel.MaxReceiveFromEnvironment());
        Assert.Equal(16 * 1024 * 1024, CriChannel.DefaultMaxReceiveBytes);
    }

    [Theory]
    [InlineData("65536", 65536)]              // the smallest allowed
    [InlineData("67108864", 64 * 1024 * 1024)]
    [InlineData(" 33554432 ", 32 * 1024 * 1024)]
    public void ValidValueIsUsed(string value, int expected)
    {
        Environment.SetEnvironmentVariable(Variable, value);

        Assert.Equal(expected, CriChannel.MaxReceiveFromEnvironment());
    }

    [Theory]
    [InlineData("65535")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("16MB")]
    [InlineData("4294967296")] // beyond int
    public void InvalidValueIsAnError(string value)
    {
        Environment.SetEnvironmentVariable(Variable, value);

        var e = Assert.Throws<CriException>(() => CriChannel.MaxReceiveFromEnvironment());

        Assert.Equal("CriInvalidReceiveLimit", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, e.Category);
        Assert.Equal(value, e.Target);
        Assert.Contains(Variable, e.Message);
        Assert.Contains("65536", e.Message);
    }
}
