using CriPS.Engine;

namespace CriPS.Tests;

/// <summary>How a failed pull is told apart: a registry that cannot be reached is not the runtime being unavailable.</summary>
public class PullFailureTests
{
    [Theory]
    [InlineData("failed to pull and unpack image \"127.0.0.1:1/crips/none:1\": failed to resolve reference \"127.0.0.1:1/crips/none:1\": failed to do request: Head \"http://127.0.0.1:1/v2/crips/none/manifests/1\": dial tcp 127.0.0.1:1: connect: connection refused")]
    [InlineData("failed to resolve reference \"registry.invalid/x:1\": failed to do request: Head \"https://registry.invalid/v2/x/manifests/1\": dial tcp: lookup registry.invalid on 127.0.0.53:53: no such host")]
    [InlineData("failed to do request: Head \"https://10.1.2.3/v2/x/manifests/1\": dial tcp 10.1.2.3:443: i/o timeout")]
    public void UnreachableRegistryIsRecognised(string message) => Assert.True(CriClient.LooksUnreachable(message));

    [Theory]
    [InlineData("failed to resolve reference \"127.0.0.1:5102/crips/none:1\": 127.0.0.1:5102/crips/none:1: not found")]
    [InlineData("failed to pull and unpack image: failed to copy: httpReadSeeker: failed open: unexpected status code 401 Unauthorized")]
    public void OtherFailuresAreNotUnreachable(string message) => Assert.False(CriClient.LooksUnreachable(message));
}
