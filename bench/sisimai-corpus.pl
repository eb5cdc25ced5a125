#!/usr/bin/perl
# Runs Sisimai (Debian's libsisimai-perl) over bounce files for `npm run bench:bounces`: one JSON line per file
# with what Sisimai reports, then a last line with the seconds spent inside Sisimai->make alone, so the rate
# compares parsing with parsing (reading the file list and writing JSON are left out, as on facteur's side).
# Usage: perl bench/sisimai-corpus.pl ROOT FILE...   (FILE relative to ROOT, as in expected.jsonl)
use strict;
use warnings;
use JSON::PP;
use Sisimai;
use Time::HiRes qw(time);

my $root = shift @ARGV // die "Usage: sisimai-corpus.pl ROOT FILE...\n";
my $json = JSON::PP->new->canonical->utf8;
my $spent = 0;
binmode STDOUT;

for my $file (@ARGV) {
    my $start = time;
    my $list = Sisimai->make("$root/$file") // [];
    $spent += time - $start;
    my @recipients = map {
        {
            address    => $_->recipient->address,
            reason     => $_->reason,
            # Sisimai 4 writes softbounce: 0 hard, 1 soft, -1 neither (vacation, feedback).
            hardbounce => ($_->softbounce == 0 ? JSON::PP::true : JSON::PP::false),
        }
    } @$list;
    print $json->encode({ file => $file, recipients => \@recipients }), "\n";
}
print $json->encode({ seconds => $spent, version => Sisimai->version }), "\n";
