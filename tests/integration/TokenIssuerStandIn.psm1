# A stand-in for a registry's token service (the "auth: token:" of docker-registry, Docker Hub's auth.docker.io): a
# client the registry turned away with `WWW-Authenticate: Bearer realm=...,service=...,scope=...` asks the realm for a
# token with its credentials in Basic auth (GET /token?service=S&scope=repository:NAME:pull) and gets a JWT the
# registry checks against the certificate in its rootcertbundle. It serves plain HTTP on loopback and records every
# request: the user it named, whether the password was right, the service and the scopes. Never the password.
Set-StrictMode -Version Latest

function Write-PrivateFile([string] $Path, [string] $Text) {
    # Created 0600 from the first byte: the key is never readable by anyone else, not even for a moment.
    $options = [IO.FileStreamOptions]@{ Mode = 'CreateNew'; Access = 'Write'; UnixCreateMode = [IO.UnixFileMode]'UserRead, UserWrite' }
    $stream = [IO.FileStream]::new($Path, $options)
    try {
        $bytes = [Text.Encoding]::ASCII.GetBytes($Text)
        $stream.Write($bytes, 0, $bytes.Length)
    } finally { $stream.Dispose() }
}

function Get-PasswordHash([string] $Password) {
    # The stand-in keeps a hash, not the password.
    [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($Password)))
}

function Start-TokenIssuerStandIn {
    <#
    .SYNOPSIS
    Makes an RSA key and a self-signed certificate in Directory (a new 0700 folder, files 0600), serves tokens signed
    with that key, and returns an object with Realm, Service, Issuer, CertificatePath (for the registry's
    rootcertbundle), KeyPath, Requests (what was asked, in order) and Stop().
    #>
    param(
        [Parameter(Mandatory)] [string] $Directory,
        [Parameter(Mandatory)] [string] $Issuer,
        [Parameter(Mandatory)] [string] $Service,
        # Who may log in; each may pull (and only pull) any repository it asks for.
        [Parameter(Mandatory)] [pscredential[]] $User
    )
    $null = New-Item -ItemType Directory $Directory
    [IO.File]::SetUnixFileMode($Directory, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
    $keyPath = Join-Path $Directory 'issuer.key'
    $certificatePath = Join-Path $Directory 'issuer.crt'
    $rsa = [Security.Cryptography.RSA]::Create(2048)
    try {
        $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Issuer", $rsa,
            [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $now = [DateTimeOffset]::UtcNow
        $certificate = $request.CreateSelfSigned($now.AddMinutes(-5), $now.AddDays(1))
        Write-PrivateFile $keyPath $rsa.ExportRSAPrivateKeyPem()
        Write-PrivateFile $certificatePath $certificate.ExportCertificatePem()
    } finally { $rsa.Dispose() }

    $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
    $listener = [System.Net.HttpListener]::new()
    $listener.Prefixes.Add("http://127.0.0.1:$port/")
    $listener.Start()
    $users = @{}
    foreach ($credential in $User) { $users[$credential.UserName] = Get-PasswordHash $credential.GetNetworkCredential().Password }
    $state = [hashtable]::Synchronized(@{
        Issuer      = $Issuer
        Service     = $Service
        KeyPath     = $keyPath
        Certificate = [Convert]::ToBase64String($certificate.RawData)
        Users       = $users
        Requests    = [System.Collections.ArrayList]::Synchronized([System.Collections.ArrayList]::new())
    })

    $serve = {
        param($listener, $state)
        function ConvertTo-Base64Url([byte[]] $Bytes) { [Convert]::ToBase64String($Bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
        function Send($context, [int] $code, [string] $json) {
            $bytes = [Text.Encoding]::UTF8.GetBytes($json)
            $context.Response.StatusCode = $code
            $context.Response.ContentType = 'application/json'
            $context.Response.OutputStream.Write($bytes, 0, $bytes.Length)
            $context.Response.Close()
        }
        # The key as a token service has it: read from its file, not handed over in memory.
        $key = [Security.Cryptography.RSA]::Create()
        $key.ImportFromPem([IO.File]::ReadAllText($state.KeyPath))
        while ($listener.IsListening) {
            try { $context = $listener.GetContext() } catch { break }
            try {
                $request = $context.Request
                $query = [System.Web.HttpUtility]::ParseQueryString($request.Url.Query)
                $scopes = @($query.GetValues('scope') | Where-Object { $_ } | ForEach-Object { $_ -split ' ' })
                $name = $null
                $known = $false
                if ("$($request.Headers['Authorization'])" -match '^Basic\s+([A-Za-z0-9+/=]+)$') {
                    $pair = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Matches[1]))
                    $colon = $pair.IndexOf(':')
                    if ($colon -gt 0) {
                        $name = $pair.Substring(0, $colon)
                        $hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($pair.Substring($colon + 1))))
                        $known = $state.Users.ContainsKey($name) -and $hash -ceq $state.Users[$name]
                    }
                }
                [object[]] $access = @()
                foreach ($scope in $scopes) {
                    # repository:NAME:ACTIONS; NAME may hold no colon here (no registry port in a repository name).
                    if ($known -and $scope -match '^repository:([^:]+):(.+)$') {
                        [object[]] $actions = @($Matches[2] -split ',' | Where-Object { $_ -eq 'pull' })
                        if ($actions) { $access += @{ type = 'repository'; name = $Matches[1]; actions = $actions } }
                    }
                }
                $null = $state.Requests.Add([pscustomobject]@{
                    Method = $request.HttpMethod; Path = $request.Url.AbsolutePath; User = $name; Authenticated = $known
                    Service = $query['service']; Scope = $scopes; Granted = @($access | ForEach-Object { "repository:$($_.name):$($_.actions -join ',')" })
                })
                if ($request.HttpMethod -ne 'GET' -or $request.Url.AbsolutePath -ne '/token') {
                    # No OAuth2 POST endpoint (as GCR): a client falls back to GET with Basic auth.
                    Send $context 404 '{"errors":[{"code":"NOT_FOUND","message":"only GET /token"}]}'
                } elseif ($query['service'] -ne $state.Service) {
                    Send $context 400 '{"errors":[{"code":"INVALID_REQUEST","message":"unknown service"}]}'
                } elseif (-not $known) {
                    $context.Response.AddHeader('WWW-Authenticate', 'Basic realm="crips-token-issuer"')
                    Send $context 401 '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
                } else {
                    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
                    $header = [ordered]@{ typ = 'JWT'; alg = 'RS256'; x5c = [object[]] @($state.Certificate) } | ConvertTo-Json -Compress
                    $claims = [ordered]@{
                        iss = $state.Issuer; sub = $name; aud = $state.Service; exp = $now + 300; nbf = $now - 10; iat = $now
                        jti = [guid]::NewGuid().ToString('n'); access = $access
                    } | ConvertTo-Json -Compress -Depth 5
                    $signed = (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes($header))) + '.' + (ConvertTo-Base64Url ([Text.Encoding]::UTF8.GetBytes($claims)))
                    $signature = $key.SignData([Text.Encoding]::ASCII.GetBytes($signed), [Security.Cryptography.HashAlgorithmName]::SHA256,
                        [Security.Cryptography.RSASignaturePadding]::Pkcs1)
                    $token = $signed + '.' + (ConvertTo-Base64Url $signature)
                    Send $context 200 (@{ token = $token; access_token = $token; expires_in = 300; issued_at = [datetime]::UtcNow.ToString('o') } | ConvertTo-Json -Compress)
                }
            } catch {
                try { Send $context 500 '{"errors":[{"code":"UNKNOWN","message":"stand-in failed"}]}' } catch { }
                $null = $state.Requests.Add([pscustomobject]@{ Method = 'ERROR'; Path = "$_"; User = $null; Authenticated = $false; Service = $null; Scope = @(); Granted = @() })
            }
        }
        $key.Dispose()
    }
    $ps = [powershell]::Create()
    $null = $ps.AddScript($serve).AddArgument($listener).AddArgument($state)
    $null = $ps.BeginInvoke()

    $standIn = [pscustomobject]@{
        Realm = "http://127.0.0.1:$port/token"; Service = $Service; Issuer = $Issuer
        CertificatePath = $certificatePath; KeyPath = $keyPath; State = $state; Listener = $listener; PowerShell = $ps
    }
    $standIn | Add-Member -MemberType ScriptProperty -Name Requests -Value { @($this.State.Requests) }
    $standIn | Add-Member -MemberType ScriptMethod -Name Stop -Value { $this.Listener.Stop(); $this.Listener.Close(); $this.PowerShell.Dispose() }
    $standIn
}

Export-ModuleMember -Function Start-TokenIssuerStandIn
