# A stand-in for the Kubernetes API server, for the conversion's cluster steps: no API server can run on the machines
# CriPS is tested on. It serves, over plain HTTP on loopback, only what the conversion calls: GET and PATCH (merge
# patch) of one node, the node's pod list, GET of a pod, and pod evictions; it records every request.
Set-StrictMode -Version Latest

function Start-KubeApiStandIn {
    <#
    .SYNOPSIS
    Starts the stand-in with one node and its pods; returns an object with KubeConfig (a file), Requests (what was
    asked, in order), Node (its current JSON) and Stop().
    #>
    param(
        [Parameter(Mandatory)] [string] $NodeName,
        [Parameter(Mandatory)] [string] $Directory,
        [hashtable] $Annotations = @{},
        # Pods on the node: @{ Namespace; Name; DaemonSet = $true } (DaemonSet pods must be left alone).
        [hashtable[]] $Pods = @()
    )
    $token = 'stand-in-' + [guid]::NewGuid().ToString('n')
    $listener = [System.Net.HttpListener]::new()
    $port = Get-Random -Minimum 20000 -Maximum 40000
    $listener.Prefixes.Add("http://127.0.0.1:$port/")
    $listener.Start()
    $state = [hashtable]::Synchronized(@{
        Token    = $token
        Requests = [System.Collections.ArrayList]::Synchronized([System.Collections.ArrayList]::new())
        Node     = @{ apiVersion = 'v1'; kind = 'Node'; metadata = @{ name = $NodeName; annotations = $Annotations }; spec = @{} }
        Pods     = [System.Collections.ArrayList]::new()
    })
    foreach ($pod in $Pods) {
        [object[]] $owner = @()   # typed, so a single owner stays a JSON array
        if ($pod['DaemonSet']) { $owner = @(@{ apiVersion = 'apps/v1'; kind = 'DaemonSet'; name = 'ds'; uid = 'ds-uid'; controller = $true }) }
        $null = $state.Pods.Add(@{
            apiVersion = 'v1'; kind = 'Pod'
            metadata = @{ namespace = $pod.Namespace; name = $pod.Name; uid = [guid]::NewGuid().ToString(); ownerReferences = $owner }
            spec = @{ nodeName = $NodeName; containers = @(@{ name = 'c'; image = 'busybox' }) }
            status = @{ phase = 'Running' }
        })
    }

    $serve = {
        param($listener, $state)
        function Send($context, [int] $code, $body) {
            $bytes = [Text.Encoding]::UTF8.GetBytes(($body | ConvertTo-Json -Depth 20 -Compress))
            $context.Response.StatusCode = $code
            $context.Response.ContentType = 'application/json'
            $context.Response.OutputStream.Write($bytes, 0, $bytes.Length)
            $context.Response.Close()
        }
        function NotFound($what) { @{ kind = 'Status'; apiVersion = 'v1'; status = 'Failure'; reason = 'NotFound'; code = 404; message = "$what not found" } }
        while ($listener.IsListening) {
            try { $context = $listener.GetContext() } catch { break }
            $request = $context.Request
            $body = [IO.StreamReader]::new($request.InputStream).ReadToEnd()
            $null = $state.Requests.Add([pscustomobject]@{ Method = $request.HttpMethod; Path = $request.Url.AbsolutePath; Query = $request.Url.Query; Body = $body })
            if ($request.Headers['Authorization'] -ne "Bearer $($state.Token)") { Send $context 401 @{ kind = 'Status'; code = 401; reason = 'Unauthorized' }; continue }
            $parts = $request.Url.AbsolutePath.Trim('/').Split('/')
            $nodePath = "api/v1/nodes/$($state.Node.metadata.name)"
            switch -Regex ("$($request.HttpMethod) $($parts -join '/')") {
                "^GET $nodePath$" { Send $context 200 $state.Node; break }
                "^PATCH $nodePath$" {
                    # A JSON merge patch of the two fields the conversion changes; null removes a field.
                    $patch = $body | ConvertFrom-Json -AsHashtable
                    if ($patch.ContainsKey('spec')) {
                        if ($null -eq $patch.spec.unschedulable) { $state.Node.spec.Remove('unschedulable') } else { $state.Node.spec.unschedulable = $patch.spec.unschedulable }
                    }
                    if ($patch.ContainsKey('metadata') -and $patch.metadata.annotations) {
                        foreach ($key in $patch.metadata.annotations.Keys) { $state.Node.metadata.annotations[$key] = $patch.metadata.annotations[$key] }
                    }
                    Send $context 200 $state.Node; break
                }
                '^GET api/v1/pods$' { Send $context 200 @{ kind = 'PodList'; apiVersion = 'v1'; metadata = @{ resourceVersion = '1' }; items = @($state.Pods) }; break }
                '^GET api/v1/namespaces/([^/]+)/pods/([^/]+)$' {
                    $pod = $state.Pods | Where-Object { $_.metadata.namespace -eq $parts[3] -and $_.metadata.name -eq $parts[5] }
                    if ($pod) { Send $context 200 $pod } else { Send $context 404 (NotFound "pod $($parts[5])") }
                    break
                }
                '^POST api/v1/namespaces/([^/]+)/pods/([^/]+)/eviction$' {
                    $pod = $state.Pods | Where-Object { $_.metadata.namespace -eq $parts[3] -and $_.metadata.name -eq $parts[5] }
                    if ($pod) { $state.Pods.Remove($pod); Send $context 201 @{ kind = 'Status'; apiVersion = 'v1'; status = 'Success'; code = 201 } }
                    else { Send $context 404 (NotFound "pod $($parts[5])") }
                    break
                }
                default { Send $context 404 (NotFound $request.Url.AbsolutePath) }
            }
        }
    }
    $ps = [powershell]::Create()
    $null = $ps.AddScript($serve).AddArgument($listener).AddArgument($state)
    $null = $ps.BeginInvoke()

    $kubeConfig = Join-Path $Directory 'kubeconfig'
    @"
apiVersion: v1
kind: Config
clusters:
- name: stand-in
  cluster:
    server: http://127.0.0.1:$port
contexts:
- name: stand-in
  context:
    cluster: stand-in
    user: stand-in
current-context: stand-in
users:
- name: stand-in
  user:
    token: $token
"@ | Set-Content -LiteralPath $kubeConfig
    $standIn = [pscustomobject]@{ KubeConfig = $kubeConfig; Token = $token; State = $state; Listener = $listener; PowerShell = $ps }
    $standIn | Add-Member -MemberType ScriptProperty -Name Requests -Value { @($this.State.Requests) }
    $standIn | Add-Member -MemberType ScriptProperty -Name Node -Value { $this.State.Node }
    $standIn | Add-Member -MemberType ScriptMethod -Name Stop -Value { $this.Listener.Stop(); $this.Listener.Close(); $this.PowerShell.Dispose() }
    $standIn
}
