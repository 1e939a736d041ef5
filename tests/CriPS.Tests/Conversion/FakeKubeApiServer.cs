using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace CriPS.Tests.Conversion;

/// <summary>
/// A tiny in-process stand-in for a Kubernetes API server, because no real one can run on the build machine. It
/// answers plain HTTP on 127.0.0.1 and serves exactly the calls ClusterSteps makes: GET/PATCH node (JSON merge patch),
/// list pods by spec.nodeName, GET pod, POST pods/{name}/eviction with scripted answers. It records every request
/// so the tests can assert the exact calls and bodies.
/// </summary>
internal sealed class FakeKubeApiServer : IDisposable
{
    public const string Token = "s3cret-bearer-token-0123456789";

    private readonly HttpListener listener;
    private readonly Task serving;
    private readonly object gate = new();
    private readonly Dictionary<string, JsonObject> nodes = new(StringComparer.Ordinal);
    private readonly List<JsonObject> pods = [];
    private readonly Dictionary<string, Queue<int>> evictionScripts = new(StringComparer.Ordinal);
    private readonly HashSet<string> podsThatStay = new(StringComparer.Ordinal);
    private readonly List<RecordedRequest> requests = [];
    private readonly CancellationTokenSource stopping = new();

    public FakeKubeApiServer()
    {
        (listener, Url) = Listen();
        serving = Task.Run(ServeAsync);
    }

    public string Url { get; }

    /// <summary>Records requests but never answers them, like a server that hangs, until disposed.</summary>
    public bool Stall { get; set; }

    /// <summary>How many more requests get 503 Service Unavailable, as an API server that is not back yet answers.</summary>
    public int Unavailable { get; set; }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (gate) return requests.ToList(); }
    }

    public void AddNode(string name, bool unschedulable = false, IDictionary<string, string>? annotations = null)
    {
        var metadata = new JsonObject { ["name"] = name, ["uid"] = $"uid-node-{name}" };
        if (annotations is not null)
            metadata["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));
        var spec = new JsonObject();
        if (unschedulable)
            spec["unschedulable"] = true;
        lock (gate)
            nodes[name] = new JsonObject { ["kind"] = "Node", ["apiVersion"] = "v1", ["metadata"] = metadata, ["spec"] = spec };
    }

    public JsonObject Node(string name)
    {
        lock (gate)
            return (JsonObject)nodes[name].DeepClone();
    }

    /// <summary>A pod on <paramref name="node"/> owned by a controller of <paramref name="controllerKind"/> (none when null).</summary>
    public void AddPod(string ns, string name, string node, string? controllerKind = "ReplicaSet", bool mirror = false,
        bool emptyDir = false, bool terminating = false)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns, ["uid"] = $"uid-{ns}-{name}" };
        if (controllerKind is not null)
            metadata["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "apps/v1", ["kind"] = controllerKind, ["name"] = $"{name}-owner", ["uid"] = "uid-owner", ["controller"] = true,
            });
        if (mirror)
            metadata["annotations"] = new JsonObject { ["kubernetes.io/config.mirror"] = "0123abcd" };
        if (terminating)
            metadata["deletionTimestamp"] = "2024-01-01T00:00:00Z";
        var spec = new JsonObject { ["nodeName"] = node, ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "busybox" }) };
        if (emptyDir)
            spec["volumes"] = new JsonArray(new JsonObject { ["name"] = "scratch", ["emptyDir"] = new JsonObject() });
        lock (gate)
            pods.Add(new JsonObject { ["kind"] = "Pod", ["apiVersion"] = "v1", ["metadata"] = metadata, ["spec"] = spec });
    }

    /// <summary>The status codes the next evictions of the pod get, in order (429 = refused by a PodDisruptionBudget); 201 after them.</summary>
    public void ScriptEviction(string ns, string name, params int[] codes)
    {
        lock (gate)
            evictionScripts[$"{ns}/{name}"] = new Queue<int>(codes);
    }

    /// <summary>The pod accepts its eviction but never leaves (a container that ignores SIGTERM, a stuck finalizer).</summary>
    public void KeepAfterEviction(string ns, string name)
    {
        lock (gate)
            podsThatStay.Add($"{ns}/{name}");
    }

    /// <summary>Writes a kubeconfig for this server with a bearer token; the tests pass another token to be refused.</summary>
    public string WriteKubeConfig(string directory, string token = Token)
    {
        var path = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {Url}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: tester
            current-context: fake
            users:
            - name: tester
              user:
                token: {token}
            """);
        return path;
    }

    public void Dispose()
    {
        stopping.Cancel();
        listener.Close();
        try
        {
            serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends with the listener's exception: nothing to report.
        }
        stopping.Dispose();
    }

    private static (HttpListener, string) Listen()
    {
        // HttpListener needs the port up front: take a free one from the OS, and try again if another test grabbed it first.
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var url = $"http://127.0.0.1:{port}";
            var candidate = new HttpListener();
            candidate.Prefixes.Add(url + "/");
            try
            {
                candidate.Start();
                return (candidate, url);
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                candidate.Close();
            }
        }
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                await AnswerAsync(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException)
            {
                // The client went away (a cancelled call): nothing to answer.
            }
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
            body = await reader.ReadToEndAsync();
        var (code, answer) = Route(request.HttpMethod, request.Url!.AbsolutePath, request.QueryString["fieldSelector"],
            request.Headers["Authorization"], request.ContentType?.Split(';')[0].Trim(), request.RawUrl ?? "", body);
        if (Stall)
            await Task.Delay(Timeout.Infinite, stopping.Token);
        var bytes = Encoding.UTF8.GetBytes(answer.ToJsonString());
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private (int, JsonObject) Route(string method, string path, string? fieldSelector, string? authorization, string? contentType,
        string rawUrl, string body)
    {
        lock (gate)
        {
            requests.Add(new RecordedRequest(method, rawUrl, contentType, body));
            if (Unavailable > 0)
            {
                Unavailable--;
                return (503, Status(503, "ServiceUnavailable", "the API server is starting"));
            }
            if (authorization != $"Bearer {Token}")
                return (401, Status(401, "Unauthorized", "Unauthorized"));

            var parts = path.Trim('/').Split('/');
            switch (method, parts)
            {
                case ("GET", ["api", "v1", "nodes", var name]):
                    return nodes.TryGetValue(name, out var node) ? (200, (JsonObject)node.DeepClone()) : NotFound("nodes", name);
                case ("PATCH", ["api", "v1", "nodes", var name]):
                    if (!nodes.TryGetValue(name, out var patched))
                        return NotFound("nodes", name);
                    if (contentType != "application/merge-patch+json")
                        return (415, Status(415, "UnsupportedMediaType", $"the stand-in only takes merge patches, not {contentType}"));
                    MergePatch(patched, JsonNode.Parse(body)!);
                    return (200, (JsonObject)patched.DeepClone());
                case ("GET", ["api", "v1", "pods"]):
                    var nodeName = fieldSelector?.StartsWith("spec.nodeName=", StringComparison.Ordinal) == true
                        ? fieldSelector["spec.nodeName=".Length..] : null;
                    var items = pods.Where(p => nodeName is null || (string?)p["spec"]!["nodeName"] == nodeName)
                        .Select(p => (JsonNode?)p.DeepClone()).ToArray();
                    return (200, new JsonObject
                    {
                        ["kind"] = "PodList", ["apiVersion"] = "v1", ["metadata"] = new JsonObject { ["resourceVersion"] = "1" },
                        ["items"] = new JsonArray(items),
                    });
                case ("GET", ["api", "v1", "namespaces", var ns, "pods", var name]):
                    return FindPod(ns, name) is { } pod ? (200, (JsonObject)pod.DeepClone()) : NotFound("pods", name);
                case ("POST", ["api", "v1", "namespaces", var ns, "pods", var name, "eviction"]):
                    return Evict(ns, name);
                default:
                    return (404, Status(404, "NotFound", $"the stand-in does not serve {method} {path}"));
            }
        }
    }

    private (int, JsonObject) Evict(string ns, string name)
    {
        if (FindPod(ns, name) is not { } pod)
            return NotFound("pods", name);
        var key = $"{ns}/{name}";
        var code = evictionScripts.TryGetValue(key, out var script) && script.Count > 0 ? script.Dequeue() : 201;
        if (code == 429)
        {
            var refused = Status(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.");
            refused["details"] = new JsonObject
            {
                ["causes"] = new JsonArray(new JsonObject
                {
                    ["reason"] = "DisruptionBudget",
                    ["message"] = $"The disruption budget {name}-pdb needs 1 healthy pods and has 1 currently",
                }),
            };
            return (429, refused);
        }
        if (code != 201)
            return (code, Status(code, "Scripted", $"scripted answer {code}"));
        if (!podsThatStay.Contains(key))
            pods.Remove(pod);
        return (201, new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201,
        });
    }

    private JsonObject? FindPod(string ns, string name) =>
        pods.FirstOrDefault(p => (string?)p["metadata"]!["namespace"] == ns && (string?)p["metadata"]!["name"] == name);

    private static (int, JsonObject) NotFound(string kind, string name) =>
        (404, Status(404, "NotFound", $"{kind} \"{name}\" not found"));

    private static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Failure",
        ["message"] = message, ["reason"] = reason, ["code"] = code,
    };

    // RFC 7386: objects merge key by key, null removes a key, anything else replaces.
    private static void MergePatch(JsonObject target, JsonNode patch)
    {
        foreach (var (key, value) in ((JsonObject)patch).ToList())
        {
            if (value is null)
                target.Remove(key);
            else if (value is JsonObject patchObject && target[key] is JsonObject targetObject)
                MergePatch(targetObject, patchObject);
            else
                target[key] = value.DeepClone();
        }
    }
}
