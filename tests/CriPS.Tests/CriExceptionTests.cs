using System.Net.Http;
using System.Net.Sockets;

namespace CriPS.Tests;

/// <summary>What a CriException may carry across the module's boundary: CriPS's and plain .NET types, no secret.</summary>
public class CriExceptionTests
{
    /// <summary>A library's exception (the engine's gRPC or Kubernetes client) with a request that holds a credential.</summary>
    private sealed class TransportException(string message, object request, Exception? inner = null) : Exception(message, inner)
    {
        public object Request { get; } = request;
    }

    private const string Canary = "canary-7f3a9c21e5";

    [Fact]
    public void APlainDotNetCauseIsKeptAsItIs()
    {
        var cause = new HttpRequestException("Connection refused (127.0.0.1:5000)", new SocketException((int)SocketError.ConnectionRefused));

        var e = new CriException("CriX", CriErrorCategory.ConnectionError, "x", null, cause);

        Assert.Same(cause, e.InnerException);
    }

    [Fact]
    public void ALibrarysCauseIsReducedToItsTypeNameAndMessageDownTheChain()
    {
        var cause = new IOException("read failed", new TransportException("the server said no", new { Authorization = "Bearer " + Canary }));

        var e = new CriException("CriX", CriErrorCategory.ReadError, "x", null, cause);

        // The IOException holds a library's exception: it cannot be kept as it is either.
        var first = Assert.IsType<CriCauseException>(e.InnerException);
        Assert.Equal("System.IO.IOException", first.OriginalType);
        Assert.Equal("read failed", first.Message);
        var second = Assert.IsType<CriCauseException>(first.InnerException);
        Assert.Equal(typeof(TransportException).FullName, second.OriginalType);
        Assert.Equal("the server said no", second.Message);
        Assert.DoesNotContain(Canary, ExceptionGraph.Text(e), StringComparison.Ordinal);
        Assert.All(ExceptionGraph.Chain(e), t => Assert.StartsWith("CriPS.", t.FullName, StringComparison.Ordinal));
    }

    [Fact]
    public void TheReducedCauseKeepsWhereItWasThrown()
    {
        TransportException thrown;
        try
        {
            throw new TransportException("no", new object());
        }
        catch (TransportException t)
        {
            thrown = t;
        }

        var cause = Assert.IsType<CriCauseException>(new CriException("CriX", CriErrorCategory.NotSpecified, "x", null, thrown).InnerException);

        Assert.Contains(nameof(TheReducedCauseKeepsWhereItWasThrown), cause.StackTrace);
        Assert.Contains(nameof(TheReducedCauseKeepsWhereItWasThrown), cause.ToString());
    }

    [Fact]
    public void APlainCauseWithASecretInItsMessageOrDataIsReducedAndRedacted()
    {
        var withPassword = new HttpRequestException($"Proxy http://user:{Canary}@proxy:3128 refused");
        var withData = new InvalidOperationException("x");
        withData.Data["token"] = Canary;

        var first = new CriException("CriX", CriErrorCategory.NotSpecified, "x", null, withPassword);
        var second = new CriException("CriX", CriErrorCategory.NotSpecified, "x", null, withData);

        Assert.Equal("Proxy http://user:***@proxy:3128 refused", Assert.IsType<CriCauseException>(first.InnerException).Message);
        Assert.Equal("System.InvalidOperationException", Assert.IsType<CriCauseException>(second.InnerException).OriginalType);
        Assert.DoesNotContain(Canary, ExceptionGraph.Text(first) + ExceptionGraph.Text(second), StringComparison.Ordinal);
    }

    [Fact]
    public void AnAggregateIsReduced()
    {
        var cause = new AggregateException(new IOException("a"), new TransportException("b", new { Key = Canary }));

        var e = new CriException("CriX", CriErrorCategory.NotSpecified, "x", null, cause);

        Assert.Equal("System.AggregateException", Assert.IsType<CriCauseException>(e.InnerException).OriginalType);
        Assert.DoesNotContain(Canary, ExceptionGraph.Text(e), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Authorization: Bearer " + Canary, "Authorization: Bearer ***")]
    [InlineData("Authorization: Basic " + Canary + "==", "Authorization: Basic ***")]
    [InlineData("proxy https://admin:" + Canary + "@10.0.0.1:3128/ refused", "proxy https://admin:***@10.0.0.1:3128/ refused")]
    [InlineData("the bearer token expired", "the bearer token expired")]
    public void TheMessageIsRedacted(string message, string expected)
    {
        Assert.Equal(expected, new CriException("CriX", CriErrorCategory.NotSpecified, message).Message);
    }

    [Fact]
    public void AWrappingCriExceptionPassesTheStatusOn()
    {
        var inner = new CriException("CriImagePullFailed", CriErrorCategory.NotSpecified, "x") { StatusCode = "Unknown", StatusDetail = "401 Unauthorized" };

        var outer = new CriException("CriImagePullUnauthorized", CriErrorCategory.AuthenticationError, "refused", "img", inner);
        var own = new CriException("CriY", CriErrorCategory.NotSpecified, "y", null, inner) { StatusCode = "NotFound" };

        Assert.Same(inner, outer.InnerException);
        Assert.Equal("Unknown", outer.StatusCode);
        Assert.Equal("401 Unauthorized", outer.StatusDetail);
        Assert.Equal("NotFound", own.StatusCode);
        Assert.Null(new CriException("CriZ", CriErrorCategory.NotSpecified, "z").StatusCode);
    }
}
