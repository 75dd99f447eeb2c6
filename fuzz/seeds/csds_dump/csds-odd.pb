
õP
 type.googleapis.com/no.such.Typex"'
 type.googleapis.com/no.such.Type8c”
3type.googleapis.com/envoy.config.cluster.v3.Cluster9-----BEGIN PRIVATE KEY-----
abc
-----END PRIVATE KEY-----8B ÿÿÿÿÿÿÿÿÿbad
cluster"v2"
xds:/odd:1