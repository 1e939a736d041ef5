using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

public sealed class ClusterStepsTests : IDisposable
{
    private const string NodeName = "node-1";
    private const string Containerd = "unix:///run/containerd/containerd.sock";
    private const string MergePatch = "application/merge-patch+json";

    // Milliseconds instead of seconds: a refused eviction is asked again almost at once.
    private static readonly DrainPacing Fast = new(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(2));

    private readonly FakeKubeApiServer server = new();
    private readonly string directory = Directory.CreateTempSubdirectory("crips-cluster-").FullName;

    public void Dispose()
    {
        server.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private ClusterSteps Connect(string? token = null) =>
        ClusterSteps.Connect(server.WriteKubeConfig(directory, token ?? FakeKubeApiServer.Token), NodeName,
            TimeSpan.FromSeconds(30), Fast, TimeProvider.System);

    private static string[] Calls(IEnumerable<RecordedRequest> requests) => requests.Select(r => r.ToString()).ToArray();

    [Fact]
    public async Task CordonsThenEvictsEveryPodAndWaitsUntilTheyAreGone()
    {
        server.AddNode(NodeName);
        server.AddPod("default", "web-1", NodeName);
        server.AddPod("shop", "cart-0", NodeName, controllerKind: "StatefulSet");
        server.AddPod("default", "elsewhere", "node-2");
        using var steps = Connect();

        var details = await steps.CordonAndDrainAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(new[] { "cordoned", "evicted default/web-1", "evicted shop/cart-0", "drained: 2 evicted, 0 skipped" }, details);
        var requests = server.Requests;
        Assert.Equal(new[]
        {
            "GET /api/v1/nodes/node-1",
            """PATCH /api/v1/nodes/node-1 {"spec":{"unschedulable":true}}""",
            "GET /api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1&watch=false",
        }, Calls(requests.Take(3)));
        Assert.Equal(MergePatch, requests[1].ContentType);
        // The two evictions go out together, so their order is free; each names its pod in the policy/v1 body.
        var evictions = requests.Where(r => r.Method == "POST").OrderBy(r => r.Url, StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "/api/v1/namespaces/default/pods/web-1/eviction", "/api/v1/namespaces/shop/pods/cart-0/eviction" },
            evictions.Select(r => r.Url));
        Assert.Equal("""{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web-1","namespace":"default"}}""", evictions[0].Body);
        Assert.Equal(new[] { "GET /api/v1/namespaces/default/pods/web-1", "GET /api/v1/namespaces/shop/pods/cart-0" },
            Calls(requests.Skip(5)));
        Assert.Equal(true, (bool?)server.Node(NodeName)["spec"]!["unschedulable"]);
    }

    [Fact]
    public async Task LeavesDaemonSetAndMirrorPodsAndEvictsEmptyDirAndBarePods()
    {
        server.AddNode(NodeName);
        server.AddPod("kube-system", "kube-proxy-x", NodeName, controllerKind: "DaemonSet");
        server.AddPod("kube-system", "etcd-node-1", NodeName, controllerKind: "Node", mirror: true);
        server.AddPod("default", "cache-1", NodeName, emptyDir: true);
        server.AddPod("default", "solo", NodeName, controllerKind: null);
        using var steps = Connect();

        var details = await steps.CordonAndDrainAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(new[]
        {
            "cordoned",
            "evicted default/cache-1 (its emptyDir data is deleted)",
            "evicted default/solo (no controller: it is not recreated)",
            "skipped kube-system/etcd-node-1 (mirror pod)",
            "skipped kube-system/kube-proxy-x (DaemonSet)",
            "drained: 2 evicted, 2 skipped",
        }, details);
        Assert.Equal(new[] { "/api/v1/namespaces/default/pods/cache-1/eviction", "/api/v1/namespaces/default/pods/solo/eviction" },
            server.Requests.Where(r => r.Method == "POST").Select(r => r.Url).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(server.Requests, r => r.Method == "DELETE" || r.Url.Contains("kube-system", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RetriesAnEvictionThePodDisruptionBudgetRefusesUntilItIsAllowed()
    {
        server.AddNode(NodeName);
        server.AddPod("default", "web-1", NodeName);
        server.ScriptEviction("default", "web-1", 429, 429, 201);
        using var steps = Connect();

        var details = await steps.CordonAndDrainAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(new[] { "cordoned", "evicted default/web-1 (after 2 PodDisruptionBudget refusals)", "drained: 1 evicted, 0 skipped" }, details);
        Assert.Equal(new[]
        {
            "GET /api/v1/nodes/node-1",
            """PATCH /api/v1/nodes/node-1 {"spec":{"unschedulable":true}}""",
            "GET /api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1&watch=false",
            """POST /api/v1/namespaces/default/pods/web-1/eviction {"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web-1","namespace":"default"}}""",
            """POST /api/v1/namespaces/default/pods/web-1/eviction {"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web-1","namespace":"default"}}""",
            """POST /api/v1/namespaces/default/pods/web-1/eviction {"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web-1","namespace":"default"}}""",
            "GET /api/v1/namespaces/default/pods/web-1",
        }, Calls(server.Requests));
    }

    [Fact]
    public async Task DrainTimeoutNamesThePodsStillOnTheNode()
    {
        server.AddNode(NodeName);
        server.AddPod("default", "web-1", NodeName);
        server.ScriptEviction("default", "web-1", Enumerable.Repeat(429, 100_000).ToArray());
        server.AddPod("default", "db-0", NodeName, controllerKind: "StatefulSet");
        server.KeepAfterEviction("default", "db-0");
        server.AddPod("default", "ok-1", NodeName);
        using var steps = Connect();

        var error = await Assert.ThrowsAsync<CriException>(() => steps.CordonAndDrainAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None));

        Assert.Equal("ConversionDrainTimeout", error.ErrorId);
        Assert.Equal(CriErrorCategory.OperationTimeout, error.Category);
        Assert.Equal(NodeName, error.Target);
        Assert.Equal("The node 'node-1' was not drained within 00:00:00.3000000; still on it: default/web-1 (eviction still refused: " +
                     "The disruption budget web-1-pdb needs 1 healthy pods and has 1 currently), default/db-0 (still terminating). " +
                     "It stays cordoned.", error.Message);
        Assert.Equal(true, (bool?)server.Node(NodeName)["spec"]!["unschedulable"]);
    }

    [Fact]
    public async Task AnAlreadyCordonedAndDrainedNodePassesWithoutChanges()
    {
        server.AddNode(NodeName, unschedulable: true);
        server.AddPod("kube-system", "kube-proxy-x", NodeName, controllerKind: "DaemonSet");
        using var steps = Connect();

        var details = await steps.CordonAndDrainAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(new[] { "already cordoned", "skipped kube-system/kube-proxy-x (DaemonSet)", "drained: 0 evicted, 1 skipped" }, details);
        Assert.Equal(new[] { "GET /api/v1/nodes/node-1", "GET /api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1&watch=false" }, Calls(server.Requests));
    }

    [Fact]
    public async Task WaitsForAPodAlreadyTerminatingWithoutEvictingIt()
    {
        server.AddNode(NodeName, unschedulable: true);
        server.AddPod("default", "going", NodeName, terminating: true);
        using var steps = Connect();

        var error = await Assert.ThrowsAsync<CriException>(() => steps.CordonAndDrainAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None));

        Assert.Equal("ConversionDrainTimeout", error.ErrorId);
        Assert.Contains("still on it: default/going (still terminating)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task AMissingNodeIsNotFound()
    {
        server.AddNode("node-2");
        using var steps = Connect();

        var error = await Assert.ThrowsAsync<CriException>(() => steps.CordonAndDrainAsync(TimeSpan.FromSeconds(30), CancellationToken.None));

        Assert.Equal("ConversionNodeNotFound", error.ErrorId);
        Assert.Equal(CriErrorCategory.ObjectNotFound, error.Category);
        Assert.Equal($"The node 'node-1' does not exist in the cluster at {server.Url}.", error.Message);
        Assert.Equal(new[] { "GET /api/v1/nodes/node-1" }, Calls(server.Requests));
    }

    [Fact]
    public async Task UnauthorizedIsForbiddenAndTheMessageNeverShowsTheToken()
    {
        const string wrongToken = "wrong-token-that-must-not-leak-42";
        server.AddNode(NodeName);
        using var steps = Connect(wrongToken);

        var error = await Assert.ThrowsAsync<CriException>(() => steps.UncordonAsync(Containerd, TimeSpan.Zero, CancellationToken.None));

        Assert.Equal("ConversionClusterForbidden", error.ErrorId);
        Assert.Equal(CriErrorCategory.PermissionDenied, error.Category);
        Assert.Equal($"The Kubernetes API server {server.Url} refused to read node 'node-1' (HTTP 401 Unauthorized: Unauthorized). " +
                     "Check the kubeconfig's credentials and that they may patch nodes, list pods and create pods/eviction.", error.Message);
        Assert.DoesNotContain(wrongToken, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedCallKeepsItsHttpStatusButNotTheRequestWithItsToken()
    {
        const string wrongToken = "wrong-token-deep-canary-77";
        server.AddNode(NodeName);
        using var steps = Connect(wrongToken);

        var error = await Assert.ThrowsAsync<CriException>(() => steps.UncordonAsync(Containerd, TimeSpan.Zero, CancellationToken.None));

        Assert.Equal("ConversionClusterForbidden", error.ErrorId);
        Assert.Equal("401", error.StatusCode);
        Assert.Equal("Unauthorized", error.StatusDetail);
        // The client's HttpOperationException kept the request with its Authorization header: only its name is left.
        var cause = Assert.IsType<CriCauseException>(error.InnerException);
        Assert.Equal("k8s.Autorest.HttpOperationException", cause.OriginalType);
        Assert.DoesNotContain(wrongToken, ExceptionGraph.Text(error), StringComparison.Ordinal);
        Assert.All(ExceptionGraph.Chain(error), t => Assert.True(t.Namespace == "CriPS" || t.Namespace!.StartsWith("System", StringComparison.Ordinal), t.FullName));
    }

    [Fact]
    public async Task AnUnreachableServerIsUnavailable()
    {
        var closed = new FakeKubeApiServer();
        var path = closed.WriteKubeConfig(directory);
        var url = closed.Url;
        closed.Dispose();
        using var steps = ClusterSteps.Connect(path, NodeName, TimeSpan.FromSeconds(10), Fast, TimeProvider.System);

        var error = await Assert.ThrowsAsync<CriException>(() => steps.CordonAndDrainAsync(TimeSpan.FromSeconds(5), CancellationToken.None));

        Assert.Equal("ConversionClusterUnavailable", error.ErrorId);
        Assert.Equal(CriErrorCategory.ConnectionError, error.Category);
        Assert.StartsWith($"Cannot reach the Kubernetes API server {url} to read node 'node-1': ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerThatDoesNotAnswerWithinTheCallTimeoutIsUnavailable()
    {
        server.AddNode(NodeName);
        server.Stall = true;
        using var steps = ClusterSteps.Connect(server.WriteKubeConfig(directory), NodeName, TimeSpan.FromMilliseconds(200), Fast, TimeProvider.System);

        var error = await Assert.ThrowsAsync<CriException>(() => steps.UncordonAsync(Containerd, TimeSpan.Zero, CancellationToken.None));

        Assert.Equal("ConversionClusterUnavailable", error.ErrorId);
        Assert.Equal($"The Kubernetes API server {server.Url} did not answer in time to read node 'node-1'.", error.Message);
    }

    [Fact]
    public async Task UncordonWaitsForAnApiServerThatIsNotBackYet()
    {
        // A control-plane node: its API server answers 503 until its kubelet has started it again.
        server.AddNode(NodeName, unschedulable: true);
        server.Unavailable = 3;
        using var steps = Connect();

        var details = await steps.UncordonAsync(Containerd, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal("uncordoned", details[0]);
        Assert.StartsWith("the API server answered at attempt 4, after ", details[^1], StringComparison.Ordinal);
        Assert.False(server.Node(NodeName)["spec"]!.AsObject().ContainsKey("unschedulable"));
    }

    [Fact]
    public async Task UncordonGivesUpWhenTheApiServerStaysAwayPastTheDeadline()
    {
        server.AddNode(NodeName, unschedulable: true);
        server.Unavailable = int.MaxValue;
        using var steps = Connect();

        // 3 s, not less: the first request to a new client took over 300 ms once while the whole solution's tests ran on 2 cores.
        var error = await Assert.ThrowsAsync<CriException>(() => steps.UncordonAsync(Containerd, TimeSpan.FromSeconds(3), CancellationToken.None));

        Assert.Equal("ConversionClusterUnavailable", error.ErrorId);
        Assert.True(server.Requests.Count > 1, "retried at least once before giving up");
    }

    [Fact]
    public void AnExecPluginInTheKubeconfigIsNamedWithoutItsArguments()
    {
        var path = Path.Combine(directory, "exec.kubeconfig");
        File.WriteAllText(path, """
            apiVersion: v1
            kind: Config
            current-context: c
            clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443"}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: /usr/local/bin/aws-iam-authenticator
                  args: ["token", "--secret", "s3cr3t"]
                  interactiveMode: Never
            """);

        Assert.Equal("/usr/local/bin/aws-iam-authenticator", ClusterSteps.ExecPluginCommand(path));
        Assert.Null(ClusterSteps.ExecPluginCommand(server.WriteKubeConfig(directory)));
        Assert.Null(ClusterSteps.ExecPluginCommand(Path.Combine(directory, "absent")));
    }

    [Fact]
    public async Task CancellingStaysACancellation()
    {
        server.AddNode(NodeName);
        server.Stall = true;
        using var steps = Connect();
        using var cancel = new CancellationTokenSource();
        var drain = steps.CordonAndDrainAsync(TimeSpan.FromSeconds(30), cancel.Token);

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => drain);
    }

    [Theory]
    [InlineData("/var/run/dockershim.sock")]
    [InlineData("unix:///var/run/dockershim.sock")]
    public async Task UncordonPointsTheDockershimAnnotationAtContainerd(string dockershim)
    {
        server.AddNode(NodeName, unschedulable: true, new Dictionary<string, string>
        {
            ["kubeadm.alpha.kubernetes.io/cri-socket"] = dockershim, ["team"] = "blue",
        });
        using var steps = Connect();

        var details = await steps.UncordonAsync(Containerd, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(new[] { "uncordoned", $"kubeadm.alpha.kubernetes.io/cri-socket: {dockershim} -> {Containerd}" }, details);
        var requests = server.Requests;
        Assert.Equal(new[]
        {
            "GET /api/v1/nodes/node-1",
            """PATCH /api/v1/nodes/node-1 {"metadata":{"annotations":{"kubeadm.alpha.kubernetes.io/cri-socket":"unix:///run/containerd/containerd.sock"}},"spec":{"unschedulable":null}}""",
        }, Calls(requests));
        Assert.Equal(MergePatch, requests[1].ContentType);
        var node = server.Node(NodeName);
        Assert.Null(node["spec"]!["unschedulable"]);
        Assert.Equal(Containerd, (string?)node["metadata"]!["annotations"]!["kubeadm.alpha.kubernetes.io/cri-socket"]);
        Assert.Equal("blue", (string?)node["metadata"]!["annotations"]!["team"]);
    }

    [Theory]
    [InlineData("unix:///var/run/cri-dockerd.sock")]
    [InlineData("/run/cri-dockerd.sock")]
    public async Task UncordonPointsTheCriDockerdAnnotationAtContainerd(string criDockerd)
    {
        server.AddNode(NodeName, unschedulable: false, new Dictionary<string, string> { ["kubeadm.alpha.kubernetes.io/cri-socket"] = criDockerd });
        using var steps = Connect();

        var details = await steps.UncordonAsync(Containerd, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(new[] { "already schedulable", $"kubeadm.alpha.kubernetes.io/cri-socket: {criDockerd} -> {Containerd}" }, details);
        Assert.Equal(new[]
        {
            "GET /api/v1/nodes/node-1",
            """PATCH /api/v1/nodes/node-1 {"metadata":{"annotations":{"kubeadm.alpha.kubernetes.io/cri-socket":"unix:///run/containerd/containerd.sock"}}}""",
        }, Calls(server.Requests));
    }

    [Fact]
    public async Task UncordonLeavesAnotherAnnotationAloneAndReportsIt()
    {
        server.AddNode(NodeName, unschedulable: true, new Dictionary<string, string>
        {
            ["kubeadm.alpha.kubernetes.io/cri-socket"] = "unix:///var/run/crio/crio.sock",
        });
        using var steps = Connect();

        var details = await steps.UncordonAsync(Containerd, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(new[] { "uncordoned", "kubeadm.alpha.kubernetes.io/cri-socket left as 'unix:///var/run/crio/crio.sock' (not a Docker socket)" }, details);
        Assert.Equal(new[]
        {
            "GET /api/v1/nodes/node-1",
            """PATCH /api/v1/nodes/node-1 {"spec":{"unschedulable":null}}""",
        }, Calls(server.Requests));
        Assert.Equal("unix:///var/run/crio/crio.sock", (string?)server.Node(NodeName)["metadata"]!["annotations"]!["kubeadm.alpha.kubernetes.io/cri-socket"]);
    }

    [Fact]
    public async Task UncordonOfAConvertedNodeChangesNothing()
    {
        server.AddNode(NodeName, unschedulable: false, new Dictionary<string, string> { ["kubeadm.alpha.kubernetes.io/cri-socket"] = Containerd });
        using var steps = Connect();

        var details = await steps.UncordonAsync(Containerd, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(new[] { "already schedulable", $"kubeadm.alpha.kubernetes.io/cri-socket already {Containerd}" }, details);
        Assert.Equal(new[] { "GET /api/v1/nodes/node-1" }, Calls(server.Requests));
    }

    [Fact]
    public void AMissingKubeConfigIsInvalid()
    {
        var path = Path.Combine(directory, "no-such-kubeconfig");

        var error = Assert.Throws<CriException>(() => ClusterSteps.Connect(path, NodeName, TimeSpan.FromSeconds(5)));

        Assert.Equal("ConversionKubeConfigInvalid", error.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, error.Category);
        Assert.Equal($"The kubeconfig '{path}' does not exist.", error.Message);
        Assert.Equal(path, error.Target);
    }

    [Fact]
    public void AKubeConfigWithoutItsContextIsInvalidAndItsTokenStaysHidden()
    {
        const string token = "hidden-token-in-a-broken-file-77";
        var path = Path.Combine(directory, "broken");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            current-context: gone
            users:
            - name: tester
              user:
                token: {token}
            """);

        var error = Assert.Throws<CriException>(() => ClusterSteps.Connect(path, NodeName, TimeSpan.FromSeconds(5)));

        Assert.Equal("ConversionKubeConfigInvalid", error.ErrorId);
        Assert.StartsWith($"The kubeconfig '{path}' cannot be used: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AKubeConfigThatIsNotYamlIsInvalid()
    {
        var path = Path.Combine(directory, "garbage");
        File.WriteAllText(path, "clusters: [unclosed\n  - {");

        var error = Assert.Throws<CriException>(() => ClusterSteps.Connect(path, NodeName, TimeSpan.FromSeconds(5)));

        Assert.Equal("ConversionKubeConfigInvalid", error.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, error.Category);
    }
}
