# A stand-in CRI runtime on a Unix socket: a minimal HTTP/2 server (prior knowledge, no TLS, no Huffman, no dynamic
# table, as Grpc.Net.Client speaks to a Unix socket) that answers Version, opens GetContainerEvents and then sends
# nothing, and answers every other call Unimplemented. It records what the client did with the event stream, which a
# real containerd does not show: for the cancellation tests of Get-CriEvent on a runtime (containerd 1.6) without events.
Set-StrictMode -Version Latest

function Start-CriStandIn {
    <# .SYNOPSIS Listens on a new socket; returns Path, State (EventsOpened, EventsReset, Closed: set by the server) and the job. #>
    param([Parameter(Mandatory)] [string] $Path)
    Remove-Item -LiteralPath $Path -ErrorAction SilentlyContinue
    $socket = [System.Net.Sockets.Socket]::new('Unix', 'Stream', 'Unspecified')
    $socket.Bind([System.Net.Sockets.UnixDomainSocketEndPoint]::new($Path))
    $socket.Listen(4)
    $state = [hashtable]::Synchronized(@{ EventsOpened = $false; EventsReset = $false; Closed = $false; Error = $null; Connection = $null })
    $job = Start-ThreadJob -ArgumentList $socket, $state {
        param($listener, $state)
        function Read-Exactly($s, [int] $count) {
            $buffer = [byte[]]::new($count)
            $done = 0
            while ($done -lt $count) {
                $n = $s.Receive($buffer, $done, $count - $done, 'None')
                if ($n -eq 0) { return $null }
                $done += $n
            }
            , $buffer
        }
        function Send-Frame($s, [byte] $type, [byte] $flags, [int] $stream, [byte[]] $payload) {
            $frame = [byte[]]::new(9 + $payload.Length)
            $frame[0] = ($payload.Length -shr 16) -band 0xff; $frame[1] = ($payload.Length -shr 8) -band 0xff; $frame[2] = $payload.Length -band 0xff
            $frame[3] = $type; $frame[4] = $flags
            $frame[5] = ($stream -shr 24) -band 0x7f; $frame[6] = ($stream -shr 16) -band 0xff; $frame[7] = ($stream -shr 8) -band 0xff; $frame[8] = $stream -band 0xff
            [Array]::Copy($payload, 0, $frame, 9, $payload.Length)
            $null = $s.Send($frame)
        }
        function Get-Literal([string] $name, [string] $value) {
            # HPACK literal header field without indexing, new name, no Huffman (lengths < 127).
            , ([byte[]] (@(0, $name.Length) + [Text.Encoding]::ASCII.GetBytes($name) + @($value.Length) + [Text.Encoding]::ASCII.GetBytes($value)))
        }
        function Get-Field([int] $number, [string] $text) {
            , ([byte[]] (@((($number -shl 3) -bor 2), $text.Length) + [Text.Encoding]::ASCII.GetBytes($text)))
        }
        # :status 200 (static table entry 8) and content-type: application/grpc
        $responseHeaders = [byte[]] (@(0x88) + (Get-Literal 'content-type' 'application/grpc'))
        $okTrailers = Get-Literal 'grpc-status' '0'
        $unimplemented = [byte[]] ($responseHeaders + (Get-Literal 'grpc-status' '12'))
        $version = [byte[]] ((Get-Field 1 '0.1.0') + (Get-Field 2 'crips-standin') + (Get-Field 3 '1.0') + (Get-Field 4 'v1'))
        $versionMessage = [byte[]] (@(0, 0, 0, 0, $version.Length) + $version)
        $eventsStream = -1
        try {
            while ($true) {
                try { $s = $listener.Accept() } catch { break }
                $state.Connection = $s   # closed by Stop-CriStandIn, which ends a Receive that waits
                try {
                    $null = Read-Exactly $s 24   # the client preface
                    Send-Frame $s 4 0 0 @()      # our SETTINGS: the defaults
                    while ($true) {
                        $header = Read-Exactly $s 9
                        if ($null -eq $header) { break }
                        $length = ($header[0] -shl 16) -bor ($header[1] -shl 8) -bor $header[2]
                        $type = $header[3]; $flags = $header[4]
                        $stream = (($header[5] -band 0x7f) -shl 24) -bor ($header[6] -shl 16) -bor ($header[7] -shl 8) -bor $header[8]
                        $payload = if ($length -gt 0) { Read-Exactly $s $length } else { , [byte[]]::new(0) }
                        if ($null -eq $payload) { break }
                        switch ($type) {
                            4 { if (-not ($flags -band 1)) { Send-Frame $s 4 1 0 @() } }            # SETTINGS: ack
                            6 { if (-not ($flags -band 1)) { Send-Frame $s 6 1 0 $payload } }       # PING: ack
                            1 {                                                                       # HEADERS: a call
                                $text = [Text.Encoding]::ASCII.GetString($payload)
                                if ($text.Contains('/runtime.v1.RuntimeService/GetContainerEvents')) {
                                    $eventsStream = $stream
                                    Send-Frame $s 1 4 $stream $responseHeaders
                                    $state.EventsOpened = $true
                                } elseif ($text.Contains('/runtime.v1.RuntimeService/Version')) {
                                    Send-Frame $s 1 4 $stream $responseHeaders
                                    Send-Frame $s 0 0 $stream $versionMessage
                                    Send-Frame $s 1 5 $stream $okTrailers
                                } else {
                                    Send-Frame $s 1 5 $stream $unimplemented
                                }
                            }
                            3 { if ($stream -eq $eventsStream) { $state.EventsReset = $true } }      # RST_STREAM
                        }
                    }
                } catch {
                    $state.Error = "$_"
                } finally {
                    $s.Close()
                    if ($eventsStream -ge 0) { $state.Closed = $true }
                }
            }
        } finally {
            $listener.Close()
        }
    }
    [pscustomobject]@{ Path = $Path; State = $state; Socket = $socket; Job = $job }
}

function Stop-CriStandIn($StandIn) {
    $StandIn.Socket.Close()
    if ($StandIn.State.Connection) { $StandIn.State.Connection.Dispose() }
    $StandIn.Job | Wait-Job -Timeout 5 | Out-Null
    $StandIn.Job | Remove-Job -Force
    Remove-Item -LiteralPath $StandIn.Path -ErrorAction SilentlyContinue
}

Export-ModuleMember -Function Start-CriStandIn, Stop-CriStandIn
