/** A name as people type it: no case, no accents ("theatre du port" for "Théâtre du Port"). */
export function folded(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
