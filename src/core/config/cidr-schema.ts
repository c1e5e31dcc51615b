import {z} from 'zod'

import {IPV4_CIDR} from '../net/exposure.js'

/**
 * An IPv4 CIDR field, shared by the cluster file and the namespaces file. In a module of its own so
 * that reading a namespaces file does not build the whole cluster file schema.
 */
export const cidrSchema = z.string().regex(IPV4_CIDR, {message: 'expected an IPv4 CIDR such as 10.0.0.0/8'})
